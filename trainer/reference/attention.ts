/**
 * Causal multi-head self-attention on packed q | k | v rows. Head h reads columns
 * h·hd … (h+1)·hd − 1 of each of q, k and v (hd = d / heads) and writes the same columns of the
 * output. For query t, over keys u = 0 … t:
 *
 *   s_u = (Σ_j q_t,j · k_u,j) · (1 / sqrt(hd))       (sum over j from 0)
 *   p_u = exp(s_u − max s) / Σ_u' exp(s_u' − max s)  (the denominator summed over u' from 0)
 *   o_t,j = Σ_u p_u · v_u,j                          (sum over u from 0)
 */
import { exp } from './math.ts';

export function causalSelfAttention(
  out: Float64Array,
  qkv: Float64Array,
  rows: number,
  d: number,
  heads: number,
  scores: Float64Array,
): void {
  const hd = d / heads;
  const stride = 3 * d;
  const scale = 1 / Math.sqrt(hd);
  for (let h = 0; h < heads; h++) {
    const qCol = h * hd;
    const kCol = d + h * hd;
    const vCol = 2 * d + h * hd;
    for (let t = 0; t < rows; t++) {
      const q = t * stride + qCol;
      let max = -Infinity;
      for (let u = 0; u <= t; u++) {
        const k = u * stride + kCol;
        let dot = 0;
        for (let j = 0; j < hd; j++) dot += qkv[q + j]! * qkv[k + j]!;
        const s = dot * scale;
        scores[u] = s;
        if (s > max) max = s;
      }
      let total = 0;
      for (let u = 0; u <= t; u++) {
        const e = exp(scores[u]! - max);
        scores[u] = e;
        total += e;
      }
      for (let u = 0; u <= t; u++) scores[u] = scores[u]! / total;
      const o = t * d + qCol;
      for (let j = 0; j < hd; j++) {
        let acc = 0;
        for (let u = 0, v = vCol + j; u <= t; u++, v += stride) acc += scores[u]! * qkv[v]!;
        out[o + j] = acc;
      }
    }
  }
}
