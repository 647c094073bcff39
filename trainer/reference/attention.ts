/**
 * Causal multi-head self-attention on packed q | k | v rows. Head h reads columns
 * h·hd … (h+1)·hd − 1 of each of q, k and v (hd = d / heads) and writes the same columns of the
 * output. For query t, over keys u = 0 … t:
 *
 *   s_u = fround(q_t·k_u ⊗ fround(1/sqrt(hd)))       (the dot product linear.ts's float32 sum, a float32 ×)
 *   e_u = exp32(fround(s_u − max s)),  Z = softmax.ts's float64 sum of them
 *   p_u = fround(e_u · (1/Z))                       (1/Z and the product in float64)
 *   o_t,j = Σ_u p_u · v_u,j                          (weighted-values.ts: float32, u ascending, from +0)
 *
 * The dot products of a head are one matrix product, Q_h·K_hᵀ with a zero bias, run by the
 * model's product (linear.ts: each sum started at the bias, +0, and added to in j order, which is
 * exactly the dot product). It computes every key for every query, twice the products the causal
 * mask needs, but in the SIMD kernel that is still three times faster than the scalar loop; the
 * keys after t are never read. The rest of each row, attendRows, runs in WebAssembly as one call
 * per head (attention-kernel.ts), bit for bit attendRowsScalar.
 */
import type { LinearFn } from './linear.ts';
import { expShiftedScalar } from './softmax.ts';
import { weightedValuesScalar } from './weighted-values.ts';

/**
 * Rows t = 0 … rows − 1 of one head, from its dot products dots[t·rows + u]: writes o_t,j to
 * out[t·outStride + o0 + j] for j < hd, with v_u,j = qkv[vCol + u·stride + j]. scores is scratch
 * of at least rows (rounded up to 4) floats; scale is fround(1/sqrt(hd)).
 */
export type AttendRowsFn = (
  out: Float32Array,
  o0: number,
  outStride: number,
  qkv: Float32Array,
  vCol: number,
  stride: number,
  hd: number,
  dots: Float32Array,
  rows: number,
  scale: number,
  scores: Float32Array,
) => void;

/** The definition of attendRows in plain JavaScript. */
export const attendRowsScalar: AttendRowsFn = (out, o0, outStride, qkv, vCol, stride, hd, dots, rows, scale, scores) => {
  for (let t = 0; t < rows; t++) {
    let max = -Infinity;
    for (let u = 0; u <= t; u++) {
      const s = Math.fround(dots[t * rows + u]! * scale);
      scores[u] = s;
      if (s > max) max = s;
    }
    const r = 1 / expShiftedScalar(scores, 0, t + 1, max, true);
    for (let u = 0; u <= t; u++) scores[u] = scores[u]! * r; // the store rounds to float32
    weightedValuesScalar(out, t * outStride + o0, scores, qkv, vCol, t + 1, hd, stride);
  }
};

/** The kernels attention runs on: the model's own (model.ts). */
export interface AttentionKernels {
  readonly linear: LinearFn;
  readonly attendRows: AttendRowsFn;
}

/** Where one head's product runs, in the model's backing (workspace.ts). */
export interface AttentionScratch {
  /** [rows, hd]: the head's queries, gathered. */
  readonly queries: Float32Array;
  /** [hd, keyStride]: the head's keys, transposed. */
  readonly keys: Float32Array;
  readonly keyStride: number;
  /** [rows, rows] and 4 floats more: every query's dot product with every key. */
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
  const { linear, attendRows } = kernels;
  const hd = d / heads;
  const stride = 3 * d;
  const scale = Math.fround(1 / Math.sqrt(hd));
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
    attendRows(out, qCol, d, qkv, vCol, stride, hd, dots, rows, scale, scores);
  }
}
