/**
 * out (+)= bias + A·B for float32 matrices in the arena: whole 4 × 8 tiles in the WebAssembly
 * kernel, the rows and columns left over (shapes that are not multiples of 4 and 8) here in
 * JavaScript, so any model shape trains. A is read through a row and a column stride (in floats),
 * which lets callers pass x for x·W and x read by columns for xᵀ·dy.
 */
import type { Kernels } from './kernels-module.ts';
import { Causal, TILE_COLS, TILE_ROWS } from './matmul-kernel.ts';
import { transpose } from './transpose.ts';

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
  /** The triangle attention's products may skip (matmul-kernel.ts); none when left out. */
  readonly causal?: Causal;
}

/**
 * The kernel passes over all of A once per 8-column strip of B, so A should stay in the cache
 * between strips: rows go to the kernel in blocks whose share of A is at most this many bytes
 * (measured on the 6-layer width-256 model, whose 512 × 1024 activations are 2 MiB).
 */
const A_BLOCK_BYTES = 128 * 1024;

/**
 * A read by columns is transposed first (into row-major order) when a tile's walk down its
 * columns spans more than the L1 data cache: the walk reads one line every aCol floats, and lines
 * a power of two apart share a few cache sets, so past 32 KiB they evict each other and every read
 * goes to L2. The 6-layer width-256 model's weight gradients ran at 23 to 34 GFLOP/s before, 31 to
 * 42 after, the transpose included; the default model's at 27 to 33 before, 38 to 42 after. The
 * attention's products by columns (64 × 64, 16 KiB) stay in place: there the transpose cost more
 * than it saved.
 */
const L1_BYTES = 32 * 1024;

/** Writes A (rows × inner, read by columns) row-major to the scratch and returns the product on it. */
function transposedA(kernels: Kernels, f32: Float32Array, p: Product): Product {
  const to = kernels.transposed;
  if (p.aRow === 1) {
    // A is stored as an [inner, rows] matrix with row stride aCol.
    transpose(kernels, f32, { out: to, outStride: p.inner, in: p.a, inStride: p.aCol, rows: p.inner, cols: p.rows });
  } else {
    for (let i = 0; i < p.inner; i++) {
      const source = p.a / 4 + i * p.aCol;
      for (let r = 0; r < p.rows; r++) f32[to / 4 + r * p.inner + i] = f32[source + r * p.aRow]!;
    }
  }
  return { ...p, a: to, aRow: p.inner, aCol: 1 };
}

export function matmul(kernels: Kernels, f32: Float32Array, product: Product): void {
  const byColumns = product.aCol > 1 && product.inner * product.aCol * 4 > L1_BYTES && product.rows * product.inner <= kernels.transposedFloats;
  const p = byColumns ? transposedA(kernels, f32, product) : product;
  if (p.inner * TILE_COLS > kernels.packFloats) {
    throw new Error(`matmul: inner dimension ${p.inner} needs a packing panel of ${p.inner * TILE_COLS} floats, the kernels have ${kernels.packFloats}`);
  }
  const tileRows = p.rows - (p.rows % TILE_ROWS);
  const tileCols = p.cols - (p.cols % TILE_COLS);
  if (tileRows > 0 && tileCols > 0 && p.inner > 0) {
    const block = Math.max(TILE_ROWS, Math.floor(A_BLOCK_BYTES / (p.inner * 4 * TILE_ROWS)) * TILE_ROWS);
    for (let r = 0; r < tileRows; r += block) {
      kernels.matmulTiles(
        p.out + r * p.outStride * 4, p.outStride * 4, p.a + r * p.aRow * 4, p.aRow * 4, p.aCol * 4, p.b, p.bStride * 4,
        p.bias, Math.min(block, tileRows - r), p.inner, tileCols, p.accumulate ? 1 : 0, kernels.pack, p.causal ?? Causal.NONE, r,
      );
    }
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
