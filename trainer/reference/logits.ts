/**
 * The output head and the loss of one position.
 *
 *   z_v = Σ_i h_i · head[i][v]          (linear.ts's float32 sum; head = wteᵀ when tied)
 *   loss = log(Z) − (z_y − max z)        (float64; Z is softmax.ts's sum of exp32(z_v − max z))
 *
 * which is −log softmax(z)_y, with the maximum subtracted so that no exponential overflows.
 */
import type { PreparedModel } from './model.ts';
import { log } from './math.ts';
import type { ExpShiftedFn } from './softmax.ts';

/** Logits of hidden rows first … first+count−1 into workspace.logits rows 0 … count−1. */
export function headLogits(model: PreparedModel, first: number, count: number): void {
  const ws = model.workspace;
  const d = model.spec.width;
  const hidden = first === 0 ? ws.normed : ws.normed.subarray(first * d);
  model.linear(ws.logits, hidden, count, model.head, model.headBias, false);
}

/**
 * Cross-entropy (natural log) of target given the logits at logits[offset … offset+vocab−1];
 * expShifted is the model's (softmax.ts), called without storing.
 */
export function crossEntropy(logits: Float32Array, offset: number, vocab: number, target: number, expShifted: ExpShiftedFn): number {
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) {
    const z = logits[offset + v]!;
    if (z > max) max = z;
  }
  return log(expShifted(logits, offset, vocab, max, false)) - (logits[offset + target]! - max);
}
