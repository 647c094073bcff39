/**
 * The GPT's backward pass, llm.c's gpt2_backward: from the gradient of the mean loss with respect
 * to the logits (left in the logits' buffer by the cross-entropy) back through the head, the final
 * LayerNorm, every layer in reverse and the embeddings, adding into the workspace's gradients
 * (which the caller zeroes first). dres carries the gradient of the residual stream.
 */
import { attentionBackward } from './attention.ts';
import type { BatchRows } from './batch-rows.ts';
import { embedBackward } from './embedding.ts';
import { layerNormBackward } from './layernorm.ts';
import { biasGrad, inputGrad, linearForward, weightGrad } from './linear.ts';
import type { LayerActivations, Workspace } from './workspace.ts';

function headBackward(ws: Workspace, rows: BatchRows): void {
  const { width: d, vocabSize: vocab } = ws.spec;
  const dlogits = ws.logits;
  if (ws.spec.tiedEmbeddings) {
    // logits = lnf·wteᵀ: dwte += dlogitsᵀ·lnf (dlogits read by columns), dlnf = dlogits·wte.
    weightGrad(ws, ws.grad('wte'), dlogits, ws.lnf, rows.count, vocab, d);
    linearForward(ws, ws.dsmall, dlogits, ws.param('wte'), null, rows.padded, vocab, d);
  } else {
    weightGrad(ws, ws.grad('lm_head'), ws.lnf, dlogits, rows.count, d, vocab);
    inputGrad(ws, ws.dsmall, dlogits, ws.param('lm_head'), rows.padded, d, vocab);
  }
  ws.dres.view.fill(0);
  layerNormBackward(ws, ws.dres, ws.grad('lnf.g'), ws.grad('lnf.b'), ws.dsmall, ws.xFinal, ws.lnfMean, ws.lnfRstd, ws.param('lnf.g'), rows.count, d);
}

function layerBackward(ws: Workspace, l: number, a: LayerActivations, rows: BatchRows): void {
  const { width: d } = ws.spec;
  const n = rows.padded;
  const count = rows.count;
  const p = `h${l}.`;
  const { dres, dsmall, dbig, dqkv } = ws;
  // x' = x2 + fcGelu·wproj + bproj
  weightGrad(ws, ws.grad(`${p}mlp.wproj`), a.fcGelu, dres, count, 4 * d, d);
  biasGrad(ws, ws.grad(`${p}mlp.bproj`), dres, count, d);
  inputGrad(ws, dbig, dres, ws.param(`${p}mlp.wproj`), n, 4 * d, d);
  ws.kernels.geluBackward(dbig.ptr, a.fc.ptr, a.fcTanh.ptr, dbig.ptr, count * 4 * d);
  weightGrad(ws, ws.grad(`${p}mlp.wfc`), a.ln2, dbig, count, d, 4 * d);
  biasGrad(ws, ws.grad(`${p}mlp.bfc`), dbig, count, 4 * d);
  inputGrad(ws, dsmall, dbig, ws.param(`${p}mlp.wfc`), n, d, 4 * d);
  layerNormBackward(ws, dres, ws.grad(`${p}ln2.g`), ws.grad(`${p}ln2.b`), dsmall, a.x2, a.ln2Mean, a.ln2Rstd, ws.param(`${p}ln2.g`), count, d);
  // x2 = x + atty·wo + bo
  weightGrad(ws, ws.grad(`${p}attn.wo`), a.atty, dres, count, d, d);
  biasGrad(ws, ws.grad(`${p}attn.bo`), dres, count, d);
  inputGrad(ws, dsmall, dres, ws.param(`${p}attn.wo`), n, d, d);
  attentionBackward(ws, dqkv, dsmall, a.qkv, a.probs, rows);
  weightGrad(ws, ws.grad(`${p}attn.wqkv`), a.ln1, dqkv, count, d, 3 * d);
  biasGrad(ws, ws.grad(`${p}attn.bqkv`), dqkv, count, 3 * d);
  inputGrad(ws, dsmall, dqkv, ws.param(`${p}attn.wqkv`), n, d, 3 * d);
  layerNormBackward(ws, dres, ws.grad(`${p}ln1.g`), ws.grad(`${p}ln1.b`), dsmall, a.x, a.ln1Mean, a.ln1Rstd, ws.param(`${p}ln1.g`), count, d);
}

export function backward(ws: Workspace, rows: BatchRows): void {
  headBackward(ws, rows);
  for (let l = ws.layers.length - 1; l >= 0; l--) layerBackward(ws, l, ws.layers[l]!, rows);
  embedBackward(ws, ws.grad('wte'), ws.grad('wpe'), ws.dres, rows, ws.spec.width);
}
