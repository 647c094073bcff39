/**
 * out (+)= bias + A·B for float32 matrices in the arena: whole 4 × 8 tiles in the WebAssembly
 * kernel, the rows and columns left over (shapes that are not multiples of 4 and 8) here in
 * JavaScript, so any model shape trains. A is read through a row and a column stride (in floats),
 * which lets callers pass x for x·W and x read by columns for xᵀ·dy.
 */
import type { Kernels } from './kernels-module.ts';
import { TILE_COLS, TILE_ROWS } from './matmul-kernel.ts';

export interface Product {
  /** Byte address of out and its row stride in floats. */
  readonly out: number;
  readonly outStride: number;
  /** A(r, i) is at a + 4·(r·aRow + i·aCol). */
  readonly a: number;
  readonly aRow: number;
  readonly aCol: number;
  /** B[i][j] is at b + 4·(i·bStride + j). */
  readonly b: number;
  readonly bStride: number;
  /** Byte address of the bias (cols floats), or 0 for none. */
  readonly bias: number;
  readonly rows: number;
  readonly inner: number;
  readonly cols: number;
  /** Add to out instead of overwriting it. */
  readonly accumulate: boolean;
}

export function matmul(kernels: Kernels, f32: Float32Array, p: Product): void {
  const tileRows = p.rows - (p.rows % TILE_ROWS);
  const tileCols = p.cols - (p.cols % TILE_COLS);
  if (tileRows > 0 && tileCols > 0 && p.inner > 0) {
    kernels.matmulTiles(p.out, p.outStride * 4, p.a, p.aRow * 4, p.aCol * 4, p.b, p.bStride * 4, p.bias, tileRows, p.inner, tileCols, p.accumulate ? 1 : 0);
  }
  if (tileCols < p.cols) scalarProduct(f32, p, 0, p.rows, tileCols, p.cols);
  if (tileRows < p.rows) scalarProduct(f32, p, tileRows, p.rows, 0, tileCols);
}

/** The same product for rows [r0, r1) and columns [c0, c1), one float64 sum per output. */
function scalarProduct(f32: Float32Array, p: Product, r0: number, r1: number, c0: number, c1: number): void {
  const out = p.out / 4;
  const a = p.a / 4;
  const b = p.b / 4;
  const bias = p.bias / 4;
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      let sum = p.bias === 0 ? 0 : f32[bias + c]!;
      for (let i = 0; i < p.inner; i++) sum += f32[a + r * p.aRow + i * p.aCol]! * f32[b + i * p.bStride + c]!;
      const o = out + r * p.outStride + c;
      f32[o] = p.accumulate ? f32[o]! + sum : sum;
    }
  }
}
