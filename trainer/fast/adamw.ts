/**
 * Global-norm gradient clipping and AdamW, computed as the tfjs engine (trainer/engine/adamw.ts,
 * train.ts) and torch compute them:
 *
 *   g ← g · min(1, clip / (‖g‖ + 1e-6))
 *   p ← p·(1 − lr·λ)                      only for matrices and embeddings
 *   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + ε)
 */
import type { ParamLayout } from '../layout.ts';

export interface AdamWSettings {
  readonly lr: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly gradClip?: number;
}

/** Multiplies the gradient by min(1, clip / (‖g‖ + 1e-6)), ‖g‖ its L2 norm. */
export function clipGlobalNorm(grads: Float32Array, clip: number): void {
  let sq = 0;
  for (let i = 0; i < grads.length; i++) sq += grads[i]! * grads[i]!;
  const coefficient = Math.fround(Math.min(clip / (Math.sqrt(sq) + 1e-6), 1));
  if (coefficient === 1) return;
  for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * coefficient;
}

export class AdamWState {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  /** 1 where the parameter decays (matrices and embeddings), 0 elsewhere. */
  private readonly decays: Uint8Array;
  private step = 0;

  constructor(layout: ParamLayout) {
    this.m = new Float32Array(layout.total);
    this.v = new Float32Array(layout.total);
    this.decays = new Uint8Array(layout.total);
    for (const slot of layout.tensors) {
      if (slot.kind === 'matrix' || slot.kind === 'embedding') this.decays.fill(1, slot.offset, slot.offset + slot.size);
    }
  }

  update(params: Float32Array, grads: Float32Array, s: AdamWSettings): void {
    this.step++;
    const { lr, beta1, beta2, eps } = s;
    const stepSize = lr / (1 - beta1 ** this.step);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** this.step);
    const decayFactor = 1 - lr * s.weightDecay;
    const { m, v, decays } = this;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i]!;
      const mi = beta1 * m[i]! + (1 - beta1) * g;
      const vi = beta2 * v[i]! + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      const p = decays[i] === 1 ? params[i]! * decayFactor : params[i]!;
      params[i] = p - (mi / (Math.sqrt(vi) / sqrtCorrection2 + eps)) * stepSize;
    }
  }
}
