/**
 * AdamW as torch.optim.AdamW computes it (decoupled weight decay, bias-corrected moments):
 *
 *   p ← p·(1 − lr·λ)                      only for tensors that decay
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (sqrt(v) / sqrt(1 − β2ᵗ) + ε)
 *
 * tfjs' own Adam has no decoupled decay and no per-tensor choice, hence this one.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainOptions } from './train-options.ts';

/** The optimiser's part of the training options (clipping is train.ts's, before the update). */
export type AdamWConfig = Pick<TrainOptions, 'lr' | 'weightDecay' | 'beta1' | 'beta2' | 'eps'>;

export interface OptimizedTensor {
  readonly variable: tf.Variable;
  /** nanoGPT decays matrices and embeddings, never biases or LayerNorm parameters. */
  readonly decay: boolean;
}

export class AdamW {
  private readonly tensors: readonly OptimizedTensor[];
  private readonly config: AdamWConfig;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private step = 0;

  constructor(tensors: readonly OptimizedTensor[], config: AdamWConfig) {
    this.tensors = tensors;
    this.config = config;
    this.m = tf.tidy(() => tensors.map((t) => tf.variable(tf.zerosLike(t.variable), false)));
    this.v = tf.tidy(() => tensors.map((t) => tf.variable(tf.zerosLike(t.variable), false)));
  }

  /** One update with `grads[i]` the gradient of tensor i. */
  apply(grads: readonly tf.Tensor[]): void {
    const { lr, weightDecay, beta1, beta2, eps } = this.config;
    this.step++;
    const stepSize = lr / (1 - beta1 ** this.step);
    const sqrtCorrection2 = Math.sqrt(1 - beta2 ** this.step);
    tf.tidy(() => {
      this.tensors.forEach(({ variable, decay }, i) => {
        const g = grads[i]!;
        const m = tf.add(tf.mul(this.m[i]!, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        const decayed = decay && weightDecay !== 0 ? tf.mul(variable, 1 - lr * weightDecay) : variable;
        const denominator = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), eps);
        variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denominator), stepSize)));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
      });
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
