/**
 * out (+)= inᵀ for float32 matrices in the arena: the 4 × 4 blocks on the SIMD kernel
 * (transpose-kernel.ts), the rows and columns past a multiple of 4 here in JavaScript.
 */
import type { Kernels } from './kernels-module.ts';

export interface Transposition {
  /** Byte addresses; strides in floats. out[c][r] = in[r][c] for r < rows, c < cols. */
  readonly out: number;
  readonly outStride: number;
  readonly in: number;
  readonly inStride: number;
  readonly rows: number;
  readonly cols: number;
  /** Add inᵀ to out instead of overwriting it. */
  readonly accumulate?: boolean;
}

export function transpose(kernels: Kernels, f32: Float32Array, t: Transposition): void {
  const wholeRows = t.rows - (t.rows % 4);
  const wholeCols = t.cols - (t.cols % 4);
  const accumulate = t.accumulate === true;
  if (wholeRows > 0 && wholeCols > 0) kernels.transpose(t.out, t.outStride * 4, t.in, t.inStride * 4, wholeRows, wholeCols, accumulate ? 1 : 0);
  const out = t.out / 4;
  const input = t.in / 4;
  for (let r = 0; r < t.rows; r++) {
    for (let c = r < wholeRows ? wholeCols : 0; c < t.cols; c++) {
      const o = out + c * t.outStride + r;
      f32[o] = (accumulate ? f32[o]! : 0) + f32[input + r * t.inStride + c]!;
    }
  }
}
