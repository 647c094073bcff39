/**
 * y = x·W + b, the evaluator's one matrix product, with W row-major [n, m] as the layout stores
 * it. This file is its definition; linear-kernel.ts computes the same thing faster. Each output is
 *
 *   y[r][j] = ((b[j] + x[r][0]·W[0][j]) + x[r][1]·W[1][j]) + … + x[r][n−1]·W[n−1][j]
 *
 * summed left to right in float64 (started at the bias, inputs in order), and written either as
 * out[r][j] = y[r][j] or, for the residual stream, out[r][j] = out[r][j] + y[r][j].
 */

/** The signature every implementation of the product shares; out is [rows, m], x is [rows, n]. */
export type LinearFn = (
  out: Float64Array,
  x: Float64Array,
  rows: number,
  n: number,
  w: Float64Array,
  bias: Float64Array,
  m: number,
  accumulate: boolean,
) => void;

/** The definition, restricted to rows [rowStart, rowEnd) and columns [colStart, colEnd). */
export function linearRegion(
  out: Float64Array,
  x: Float64Array,
  n: number,
  w: Float64Array,
  bias: Float64Array,
  m: number,
  accumulate: boolean,
  rowStart: number,
  rowEnd: number,
  colStart: number,
  colEnd: number,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const xr = r * n;
    for (let j = colStart; j < colEnd; j++) {
      let s = bias[j]!;
      for (let i = 0, wi = j; i < n; i++, wi += m) s += x[xr + i]! * w[wi]!;
      const o = r * m + j;
      out[o] = accumulate ? out[o]! + s : s;
    }
  }
}

export const linearScalar: LinearFn = (out, x, rows, n, w, bias, m, accumulate) =>
  linearRegion(out, x, n, w, bias, m, accumulate, 0, rows, 0, m);
