/**
 * The GPT's forward pass over one batch, read top to bottom like llm.c's gpt2_forward: embed,
 * then per layer x2 = x + attn(LN1(x)) and x' = x2 + mlp(LN2(x2)), then the final LayerNorm and
 * the output head (tied to wte, or lm_head). Every activation the backward pass needs stays in the
 * workspace. Returns the logits' buffer; the caller applies the cross-entropy.
 */
import type { Buf } from './arena.ts';
import { attentionForward } from './attention.ts';
import type { BatchRows } from './batch-rows.ts';
import { embedForward } from './embedding.ts';
import { layerNormForward } from './layernorm.ts';
import { linearForward } from './linear.ts';
import { transpose } from './transpose.ts';
import type { LayerActivations, Workspace } from './workspace.ts';

function copyRows(to: Buf, from: Buf, floats: number): void {
  to.view.set(from.view.subarray(0, floats));
}

function layerForward(ws: Workspace, l: number, a: LayerActivations, next: Buf, rows: BatchRows): void {
  const { width: d } = ws.spec;
  const n = rows.padded;
  const p = `h${l}.`;
  layerNormForward(ws, a.ln1, a.ln1Mean, a.ln1Rstd, a.x, ws.param(`${p}ln1.g`), ws.param(`${p}ln1.b`), rows.count, d);
  linearForward(ws, a.qkv, a.ln1, ws.param(`${p}attn.wqkv`), ws.param(`${p}attn.bqkv`), n, d, 3 * d);
  attentionForward(ws, a.atty, a.probs, a.qkv, rows);
  copyRows(a.x2, a.x, n * d);
  linearForward(ws, a.x2, a.atty, ws.param(`${p}attn.wo`), ws.param(`${p}attn.bo`), n, d, d, true);
  layerNormForward(ws, a.ln2, a.ln2Mean, a.ln2Rstd, a.x2, ws.param(`${p}ln2.g`), ws.param(`${p}ln2.b`), rows.count, d);
  linearForward(ws, a.fc, a.ln2, ws.param(`${p}mlp.wfc`), ws.param(`${p}mlp.bfc`), n, d, 4 * d);
  ws.kernels.geluForward(a.fcGelu.ptr, a.fcTanh.ptr, a.fc.ptr, rows.count * 4 * d);
  copyRows(next, a.x2, n * d);
  linearForward(ws, next, a.fcGelu, ws.param(`${p}mlp.wproj`), ws.param(`${p}mlp.bproj`), n, 4 * d, d, true);
}

/** Writes wteᵀ ([d, vocab]) into the workspace's scratch for the tied head. */
function transposedEmbedding(ws: Workspace): Buf {
  const { width: d, vocabSize: vocab } = ws.spec;
  transpose(ws.kernels, ws.arena.f32, { out: ws.weightT.ptr, outStride: vocab, in: ws.param('wte').ptr, inStride: d, rows: vocab, cols: d });
  return ws.weightT;
}

export function forward(ws: Workspace, rows: BatchRows): Buf {
  const { width: d, vocabSize: vocab } = ws.spec;
  const first = ws.layers[0]?.x ?? ws.xFinal;
  embedForward(ws, first, ws.param('wte'), ws.param('wpe'), rows, d);
  ws.layers.forEach((a, l) => layerForward(ws, l, a, ws.layers[l + 1]?.x ?? ws.xFinal, rows));
  layerNormForward(ws, ws.lnf, ws.lnfMean, ws.lnfRstd, ws.xFinal, ws.param('lnf.g'), ws.param('lnf.b'), rows.count, d);
  const head = ws.spec.tiedEmbeddings ? transposedEmbedding(ws) : ws.param('lm_head');
  linearForward(ws, ws.logits, ws.lnf, head, null, rows.padded, d, vocab);
  return ws.logits;
}
