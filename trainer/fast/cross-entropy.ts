/**
 * Softmax cross-entropy over the vocabulary, fused with its gradient (llm.c's
 * crossentropy_softmax_backward): the logits of each row become (softmax − onehot(target))/count
 * in place, the gradient of the mean loss. Padded rows become zero.
 */
import type { BatchRows } from './batch-rows.ts';
import { expNonPositive } from './exp.ts';

/** Returns the sum of −log p(target) over the batch's rows (float64). */
export function crossEntropyForwardBackward(logits: Float32Array, rows: BatchRows, vocab: number): number {
  const inverseCount = 1 / rows.count;
  let total = 0;
  for (let r = 0; r < rows.count; r++) {
    const o = r * vocab;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) if (logits[o + i]! > max) max = logits[o + i]!;
    const target = rows.targets[r]!;
    total += max - logits[o + target]!;
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      const e = expNonPositive(logits[o + i]! - max);
      logits[o + i] = e;
      sum += e;
    }
    total += Math.log(sum);
    const scale = inverseCount / sum;
    for (let i = 0; i < vocab; i++) logits[o + i] = logits[o + i]! * scale;
    logits[o + target] = logits[o + target]! - inverseCount;
  }
  logits.fill(0, rows.count * vocab, rows.padded * vocab);
  return total;
}

/** The loss alone, leaving the logits as they are. */
export function crossEntropySum(logits: Float32Array, rows: BatchRows, vocab: number): number {
  let total = 0;
  for (let r = 0; r < rows.count; r++) {
    const o = r * vocab;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) if (logits[o + i]! > max) max = logits[o + i]!;
    let sum = 0;
    for (let i = 0; i < vocab; i++) sum += expNonPositive(logits[o + i]! - max);
    total += max + Math.log(sum) - logits[o + rows.targets[r]!]!;
  }
  return total;
}
