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

/** The largest of values[start … start + count − 1] that is not NaN, −∞ if none. */
export type MaxOfFn = (values: Float32Array, start: number, count: number) => number;

export const maxOfScalar: MaxOfFn = (values, start, count) => {
  let max = -Infinity;
  for (let v = start, end = start + count; v < end; v++) {
    const z = values[v]!;
    if (z > max) max = z;
  }
  return max;
};

/**
 * Cross-entropy (natural log) of target given the logits at logits[offset … offset+vocab−1], with
 * the model's maxOf and expShifted (softmax.ts, called without storing). The sign of a zero
 * maximum, which a SIMD maxOf may choose differently, changes nothing: log(Z) − (z_y − max) and Z
 * are the same for max = +0 and −0.
 */
export function crossEntropy(
  logits: Float32Array,
  offset: number,
  vocab: number,
  target: number,
  maxOf: MaxOfFn,
  expShifted: ExpShiftedFn,
): number {
  const max = maxOf(logits, offset, vocab);
  return log(expShifted(logits, offset, vocab, max, false)) - (logits[offset + target]! - max);
}
