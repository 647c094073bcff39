/**
 * Causal multi-head self-attention on packed q | k | v rows. Head h reads columns
 * h·hd … (h+1)·hd − 1 of each of q, k and v (hd = d / heads) and writes the same columns of the
 * output. For query t, over keys u = 0 … t:
 *
 *   s_u = fround((Σ_j q_t,j · k_u,j) · (1 / sqrt(hd)))  (the dot product linear.ts's float32 sum)
 *   p_u = fround(e_u / Z),  e_u, Z: softmax.ts's exp32(s_u − max s) and their float64 sum
 *   o_t,j = Σ_u p_u · v_u,j                              (weighted-values.ts: float32, u ascending)
 *
 * 1/sqrt(hd) is the float64 quotient, each scaled score the float32 nearest its float64 product.
 *
 * The dot products of a head are one matrix product, Q_h·K_hᵀ with a zero bias, run by the
 * model's product (linear.ts: each sum started at the bias, +0, and added to in j order, which is
 * exactly the sum above). It computes every key for every query, twice the products the causal
 * mask needs, but in the SIMD kernel that is still three times faster than the scalar loop; the
 * keys after t are never read. The weighted values are weighted-values.ts's, likewise the model's.
 */
import type { LinearFn } from './linear.ts';
import type { ExpShiftedFn } from './softmax.ts';
import type { WeightedValuesFn } from './weighted-values.ts';

/** The kernels attention runs on: the model's own (model.ts). */
export interface AttentionKernels {
  readonly linear: LinearFn;
  readonly expShifted: ExpShiftedFn;
  readonly weightedValues: WeightedValuesFn;
}

/** Where one head's product runs, in the model's backing (workspace.ts). */
export interface AttentionScratch {
  /** [rows, hd]: the head's queries, gathered. */
  readonly queries: Float32Array;
  /** [hd, keyStride]: the head's keys, transposed. */
  readonly keys: Float32Array;
  readonly keyStride: number;
  /** [rows, rows]: every query's dot product with every key. */
  readonly dots: Float32Array;
  /** [context length] of +0: the product's bias. */
  readonly zeros: Float32Array;
}

export function causalSelfAttention(
  out: Float32Array,
  qkv: Float32Array,
  rows: number,
  d: number,
  heads: number,
  scores: Float32Array,
  kernels: AttentionKernels,
  scratch: AttentionScratch,
): void {
  const { linear, expShifted, weightedValues } = kernels;
  const hd = d / heads;
  const stride = 3 * d;
  const scale = 1 / Math.sqrt(hd);
  const { queries, keys, keyStride, dots, zeros } = scratch;
  const keyMatrix = { values: keys, inputs: hd, outputs: rows, stride: keyStride };
  for (let h = 0; h < heads; h++) {
    const qCol = h * hd;
    const kCol = d + h * hd;
    const vCol = 2 * d + h * hd;
    for (let t = 0; t < rows; t++) {
      const row = t * stride;
      for (let j = 0; j < hd; j++) {
        queries[t * hd + j] = qkv[row + qCol + j]!;
        keys[j * keyStride + t] = qkv[row + kCol + j]!;
      }
    }
    linear(dots, queries, rows, keyMatrix, zeros, false);
    for (let t = 0; t < rows; t++) {
      const max = scaledScores(scores, dots, t * rows, t + 1, scale);
      const total = expShifted(scores, 0, t + 1, max, true);
      for (let u = 0; u <= t; u++) scores[u] = scores[u]! / total; // the store rounds to float32
      weightedValues(out, t * d + qCol, scores, qkv, vCol, t + 1, hd, stride);
    }
  }
}

/** scores[u] = dots[first + u] · scale for u < keys, in u order; returns max s (−∞ if every s is NaN). */
function scaledScores(scores: Float32Array, dots: Float32Array, first: number, keys: number, scale: number): number {
  let max = -Infinity;
  for (let u = 0; u < keys; u++) {
    const s = Math.fround(dots[first + u]! * scale);
    scores[u] = s;
    if (s > max) max = s;
  }
  return max;
}
