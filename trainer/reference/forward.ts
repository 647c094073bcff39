/**
 * The forward pass up to the final LayerNorm, GPT-2's pre-norm transformer:
 *
 *   x = wte[token] + wpe[position]
 *   for each block:  x = x + attn(LN1(x));  x = x + mlp(LN2(x))
 *   h = LNf(x)
 *
 * Everything is float64 in a fixed order (see the files of each step), so the result depends
 * on nothing but the parameters and the tokens: not on the engine, the machine or the batch.
 */
import type { PreparedModel } from './model.ts';
import { causalSelfAttention } from './attention.ts';

/**
 * Runs tokens[0 … rows−1] (1 ≤ rows ≤ context length; the caller checks) and leaves the final
 * hidden states in model.workspace.normed[0 … rows·d − 1].
 */
export function forwardHidden(model: PreparedModel, tokens: Uint8Array, rows: number): void {
  const { width: d, heads } = model.spec;
  const ws = model.workspace;
  const { linear, layerNorm } = model;
  const x = ws.x;
  const wte = model.tokenEmbedding;
  const wpe = model.positionEmbedding;
  for (let t = 0; t < rows; t++) {
    const e = tokens[t]! * d;
    const p = t * d;
    for (let i = 0; i < d; i++) x[p + i] = wte[e + i]! + wpe[p + i]!;
  }
  for (const block of model.blocks) {
    layerNorm(ws.normed, x, rows, d, block.ln1Gain, block.ln1Bias);
    linear(ws.qkv, ws.normed, rows, block.qkv, block.qkvBias, false);
    causalSelfAttention(ws.attended, ws.qkv, rows, d, heads, ws.scores, model, ws.attention);
    linear(x, ws.attended, rows, block.attnOut, block.attnOutBias, true);
    layerNorm(ws.normed, x, rows, d, block.ln2Gain, block.ln2Bias);
    linear(ws.hidden, ws.normed, rows, block.fc, block.fcBias, false);
    model.gelu(ws.hidden, rows * 4 * d);
    linear(x, ws.hidden, rows, block.proj, block.projBias, true);
  }
  layerNorm(ws.normed, x, rows, d, model.lnfGain, model.lnfBias);
}
