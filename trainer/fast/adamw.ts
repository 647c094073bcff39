/**
 * Global-norm gradient clipping and AdamW, computed as the tfjs engine (trainer/engine/adamw.ts,
 * train.ts) and torch compute them:
 *
 *   g ← g · min(1, clip / (‖g‖ + 1e-6))
 *   p ← p·(1 − lr·λ)                      only for matrices and embeddings
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + ε)
 *
 * Tensor by tensor on the SIMD kernels (the decay is per tensor), the few floats past a multiple
 * of 4 here; the clipping factor is applied inside the update rather than in a pass of its own.
 */
import type { TrainOptions } from '../engine/train-options.ts';
import type { Workspace } from './workspace.ts';

/** The optimiser's part of the training options, as the tfjs engine takes them. */
export type AdamWSettings = Pick<TrainOptions, 'lr' | 'weightDecay' | 'beta1' | 'beta2' | 'eps' | 'gradClip'>;

/** min(1, clip / (‖g‖ + 1e-6)) for the workspace's gradient, ‖g‖ summed tensor by tensor in float64. */
export function clipFactor(ws: Workspace, clip: number): number {
  const g = ws.grads.view;
  let sq = 0;
  for (const slot of ws.layout.tensors) {
    const whole = slot.size - (slot.size % 4);
    if (whole > 0) {
      ws.kernels.sumSquares(ws.grads.ptr + slot.offset * 4, whole, ws.sumOut.ptr);
      sq += ws.sumOut.view[0]!;
    }
    for (let i = slot.offset + whole; i < slot.offset + slot.size; i++) sq += g[i]! * g[i]!;
  }
  return Math.fround(Math.min(clip / (Math.sqrt(sq) + 1e-6), 1));
}

/** Step `step` (from 1) of AdamW on the workspace's parameters, with the gradient times gradScale. */
export function adamwUpdate(ws: Workspace, step: number, s: AdamWSettings, gradScale: number): void {
  const { lr, beta1, beta2, eps } = s;
  const stepSize = lr / (1 - beta1 ** step);
  const inverseCorrection2 = 1 / Math.sqrt(1 - beta2 ** step);
  const { params, grads, moment1, moment2 } = ws;
  for (const slot of ws.layout.tensors) {
    const decay = slot.kind === 'matrix' || slot.kind === 'embedding' ? 1 - lr * s.weightDecay : 1;
    const whole = slot.size - (slot.size % 4);
    if (whole > 0) {
      const at = slot.offset * 4;
      ws.kernels.adamwUpdate(params.ptr + at, grads.ptr + at, moment1.ptr + at, moment2.ptr + at, whole,
        beta1, beta2, decay, stepSize, inverseCorrection2, eps, gradScale);
    }
    for (let i = slot.offset + whole; i < slot.offset + slot.size; i++) {
      const g = grads.view[i]! * gradScale;
      const m = beta1 * moment1.view[i]! + (1 - beta1) * g;
      const v = beta2 * moment2.view[i]! + (1 - beta2) * g * g;
      moment1.view[i] = m;
      moment2.view[i] = v;
      params.view[i] = params.view[i]! * decay - (m / (Math.sqrt(v) * inverseCorrection2 + eps)) * stepSize;
    }
  }
}
