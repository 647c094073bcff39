/**
 * y = x·W + b, the evaluator's one matrix product. This file is its definition; the kernel in
 * linear-kernel.ts computes the same thing faster. Each output is
 *
 *   y[r][j] = ((b[j] + x[r][0]·W[0][j]) + x[r][1]·W[1][j]) + … + x[r][n−1]·W[n−1][j]
 *
 * in float32, every product and every sum rounded to float32 (Math.fround), left to right
 * (started at the bias, inputs in order), and written either as out[r][j] = y[r][j] or, for the
 * residual stream, out[r][j] = fround(out[r][j] + y[r][j]).
 */

const f = Math.fround;

/**
 * A weight matrix W [inputs, outputs], row-major as the layout stores it, but with rows `stride`
 * floats apart (stride ≥ outputs): see paddedStride.
 */
export interface Matrix {
  readonly values: Float32Array;
  readonly inputs: number;
  readonly outputs: number;
  readonly stride: number;
}

/**
 * The row stride for a matrix with `outputs` columns: the least at least that large which is an
 * odd number of 64-byte cache lines (16 floats). Rows a power of two apart in memory (256 or 512
 * floats, common widths) fall into the same few L1 cache sets and evict each other while the
 * kernel walks down a column strip; an odd number of lines spreads them over all sets.
 */
export function paddedStride(outputs: number): number {
  return Math.max(0, Math.ceil((outputs - 16) / 32)) * 32 + 16;
}

/** The signature every implementation of the product shares; out is [rows, w.outputs]. */
export type LinearFn = (
  out: Float32Array,
  x: Float32Array,
  rows: number,
  w: Matrix,
  bias: Float32Array,
  accumulate: boolean,
) => void;

/** The definition, restricted to rows [rowStart, rowEnd) and columns [colStart, colEnd). */
export function linearRegion(
  out: Float32Array,
  x: Float32Array,
  w: Matrix,
  bias: Float32Array,
  accumulate: boolean,
  rowStart: number,
  rowEnd: number,
  colStart: number,
  colEnd: number,
): void {
  const { values, inputs: n, outputs: m, stride } = w;
  for (let r = rowStart; r < rowEnd; r++) {
    const xr = r * n;
    for (let j = colStart; j < colEnd; j++) {
      let s = bias[j]!;
      for (let i = 0, wi = j; i < n; i++, wi += stride) s = f(s + f(x[xr + i]! * values[wi]!));
      const o = r * m + j;
      out[o] = accumulate ? out[o]! + s : s; // the store rounds the sum to float32
    }
  }
}

export const linearScalar: LinearFn = (out, x, rows, w, bias, accumulate) =>
  linearRegion(out, x, w, bias, accumulate, 0, rows, 0, w.outputs);
