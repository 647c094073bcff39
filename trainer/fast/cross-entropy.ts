/**
 * Softmax cross-entropy over the vocabulary, fused with its gradient (llm.c's
 * crossentropy_softmax_backward): the logits of each row become (softmax − onehot(target))/count
 * in place, the gradient of the mean loss. Padded rows become zero. Vocabularies that are a
 * multiple of 4 (every network's 256) run on one SIMD kernel call for the batch, others here in
 * JavaScript around the exponential kernel. The loss alone (for evaluation) exponentiates and sums
 * in float64.
 */
import type { BatchRows } from './batch-rows.ts';
import type { Buf } from './arena.ts';
import { expNonPositive } from './exp.ts';
import { exponentiate } from './softmax-exp.ts';
import type { Workspace } from './workspace.ts';

/** Returns the sum of −log p(target) over the batch's rows (float64). */
export function crossEntropyForwardBackward(ws: Workspace, logits: Buf, rows: BatchRows, vocab: number): number {
  const total = vocab % 4 === 0 ? crossEntropyOnKernel(ws, logits, rows, vocab) : crossEntropyInJavaScript(ws, logits, rows, vocab);
  logits.view.fill(0, rows.count * vocab, rows.padded * vocab);
  return total;
}

/** The rows on the SIMD kernel (cross-entropy-kernel.ts); the logarithms and the targets' −1/count here. */
function crossEntropyOnKernel(ws: Workspace, logits: Buf, rows: BatchRows, vocab: number): number {
  const inverseCount = 1 / rows.count;
  const x = logits.view;
  const targetLogits = ws.targetLogits.view;
  for (let r = 0; r < rows.count; r++) targetLogits[r] = x[r * vocab + rows.targets[r]!]!;
  ws.kernels.crossEntropyRows(logits.ptr, rows.count, vocab, inverseCount, ws.logitStats.ptr);
  const stats = ws.logitStats.view;
  let total = 0;
  for (let r = 0; r < rows.count; r++) {
    total += stats[2 * r]! + Math.log(stats[2 * r + 1]!) - targetLogits[r]!;
    const o = r * vocab + rows.targets[r]!;
    x[o] = x[o]! - inverseCount;
  }
  return total;
}

function crossEntropyInJavaScript(ws: Workspace, logits: Buf, rows: BatchRows, vocab: number): number {
  const inverseCount = 1 / rows.count;
  const f32 = ws.arena.f32;
  const first = logits.ptr / 4;
  let total = 0;
  for (let r = 0; r < rows.count; r++) {
    const o = first + r * vocab;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) if (f32[o + i]! > max) max = f32[o + i]!;
    const target = rows.targets[r]!;
    const targetLogit = f32[o + target]!;
    const sum = exponentiate(ws, o, vocab, max, 1);
    total += max - targetLogit + Math.log(sum);
    const scale = inverseCount / sum;
    for (let i = 0; i < vocab; i++) f32[o + i] = f32[o + i]! * scale;
    f32[o + target] = f32[o + target]! - inverseCount;
  }
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
