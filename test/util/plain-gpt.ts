import type { ParamLayout } from '../../trainer/layout.ts';
import { tensorView } from '../../trainer/layout.ts';

/**
 * The architecture written out plainly, from the description alone: nested arrays, float64, the
 * engine's Math functions, GELU through tanh. An independent check that the evaluator and the
 * training engine compute the model they claim to (to float32 rounding, not to the bit), and a
 * float64 function smooth enough for finite differences.
 */
export function naiveLogits(lay: ParamLayout, p: Float32Array, tokens: Uint8Array): number[][] {
  const { width: d, heads, vocabSize: V } = lay.spec;
  const hd = d / heads;
  const W = (name: string): Float32Array => tensorView(lay, p, name);
  const matmul = (x: number[][], w: Float32Array, b: Float32Array | null, out: number): number[][] =>
    x.map((row) => Array.from({ length: out }, (_, j) => row.reduce((s, xi, i) => s + xi * w[i * out + j]!, b ? b[j]! : 0)));
  const ln = (x: number[][], g: Float32Array, b: Float32Array): number[][] =>
    x.map((row) => {
      const mean = row.reduce((a, c) => a + c, 0) / d;
      const variance = row.reduce((a, c) => a + (c - mean) ** 2, 0) / d;
      return row.map((c, i) => ((c - mean) / Math.sqrt(variance + 1e-5)) * g[i]! + b[i]!);
    });
  let x = Array.from(tokens, (tok, t) => Array.from({ length: d }, (_, i) => W('wte')[tok * d + i]! + W('wpe')[t * d + i]!));
  for (let l = 0; l < lay.spec.layers; l++) {
    const h = `h${l}.`;
    const qkv = matmul(ln(x, W(`${h}ln1.g`), W(`${h}ln1.b`)), W(`${h}attn.wqkv`), W(`${h}attn.bqkv`), 3 * d);
    const att = x.map(() => new Array<number>(d).fill(0));
    for (let head = 0; head < heads; head++) {
      for (let t = 0; t < x.length; t++) {
        const q = qkv[t]!.slice(head * hd, (head + 1) * hd);
        const s = qkv.slice(0, t + 1).map((row) => q.reduce((a, qj, j) => a + qj * row[d + head * hd + j]!, 0) / Math.sqrt(hd));
        const m = Math.max(...s);
        const e = s.map((z) => Math.exp(z - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j < hd; j++) att[t]![head * hd + j] = e.reduce((a, eu, u) => a + (eu / z) * qkv[u]![2 * d + head * hd + j]!, 0);
      }
    }
    const proj = matmul(att, W(`${h}attn.wo`), W(`${h}attn.bo`), d);
    x = x.map((row, t) => row.map((c, i) => c + proj[t]![i]!));
    const fcOut = matmul(ln(x, W(`${h}ln2.g`), W(`${h}ln2.b`)), W(`${h}mlp.wfc`), W(`${h}mlp.bfc`), 4 * d);
    const act = fcOut.map((row) => row.map((u) => 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u ** 3)))));
    const mlp = matmul(act, W(`${h}mlp.wproj`), W(`${h}mlp.bproj`), d);
    x = x.map((row, t) => row.map((c, i) => c + mlp[t]![i]!));
  }
  const hidden = ln(x, W('lnf.g'), W('lnf.b'));
  if (lay.spec.tiedEmbeddings) {
    return hidden.map((row) => Array.from({ length: V }, (_, v) => row.reduce((s, hi, i) => s + hi * W('wte')[v * d + i]!, 0)));
  }
  return matmul(hidden, W('lm_head'), null, V);
}

export function naiveLoss(lay: ParamLayout, p: Float32Array, seqs: readonly Uint8Array[]): number {
  let total = 0;
  let count = 0;
  for (const seq of seqs) {
    const logits = naiveLogits(lay, p, seq.subarray(0, seq.length - 1));
    logits.forEach((z, t) => {
      const m = Math.max(...z);
      total += Math.log(z.reduce((a, c) => a + Math.exp(c - m), 0)) - (z[seq[t + 1]!]! - m);
      count++;
    });
  }
  return total / count;
}
