/**
 * The fast engine's matrix product as a WebAssembly SIMD kernel (four float32 lanes):
 *
 *   out[r][j] (+)= bias[j] + Σ_i A(r, i) · B[i][j]
 *
 * where A(r, i) is read through two byte strides (row, column), so the same kernel computes
 * x·W (A = x read by rows) and the weight gradient xᵀ·dy (A = x read by columns) without a
 * transpose; B is always read by rows. It fills 4 × 8 tiles of the output: each inner step loads
 * eight B values (two registers) and four A values (splat across lanes) and does eight fused
 * multiply-adds into eight accumulators, which fit the sixteen SIMD registers of x86-64 with room
 * for the operands. Columns go outside and rows inside, so one strip of B (inner × 8 floats) stays
 * in the L1 cache while every block of rows passes over it. The strip is first copied to a
 * contiguous panel (BLIS' packing): read in place, rows of B 4 KiB apart (1,024 columns) all fall
 * in the same few L1 sets and evict each other, which halved the speed of the larger models'
 * products (x·W for 512 × 256 by 256 × 1,024: 27 GFLOP/s read in place, 45 packed).
 *
 * Attention's products have a triangle of zeros or of values nobody reads, and CAUSAL says which
 * (the row index r counts from FIRST_ROW):
 *
 *   OUT_LOWER  only out[r][j] with j ≤ r is read: tiles wholly above the diagonal are skipped
 *   A_LOWER    A(r, i) = 0 for i > r: the sum stops at the tile's last row
 *   A_UPPER    A(r, i) = 0 for i < r: the sum starts at the tile's first row
 *
 * which leaves 53–56 % of the work of a 64 × 64 product.
 *
 * The kernel covers whole tiles; matmul.ts computes any leftover rows and columns in JavaScript.
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { simd32 } from './wasm-simd.ts';

// Parameters (i32; pointers and strides in bytes).
const OUT = 0;
const OUT_STRIDE = 1;
const A = 2;
const A_ROW = 3;
const A_COL = 4;
const B = 5;
const B_STRIDE = 6;
const BIAS = 7; // 0: no bias
const ROWS = 8; // a multiple of 4
const INNER = 9; // ≥ 1
const COLS = 10; // a multiple of 8
const ACCUMULATE = 11; // 0: out = y, 1: out += y
const PACK = 12; // scratch for inner × 8 floats
const CAUSAL = 13; // one of Causal below
const FIRST_ROW = 14; // the index of row 0 on the diagonal
// i32 locals.
const J = 15;
const R = 16;
const K = 17;
const BP = 18;
const PTR = 19;
const AP = [20, 21, 22, 23] as const;
const DIAGONAL = 24; // R + FIRST_ROW
const K_START = 25;
// v128 locals: ACC[row][half].
const ACC = [[26, 27], [28, 29], [30, 31], [32, 33]] as const;
const B0 = 34;
const B1 = 35;
const XS = 36;
const PANEL_ROW_BYTES = 32;

export const TILE_ROWS = 4;
export const TILE_COLS = 8;

/** What the kernel may skip in attention's products (see the top of the file). */
export const Causal = { NONE: 0, OUT_LOWER: 1, A_LOWER: 2, A_UPPER: 3 } as const;
export type Causal = (typeof Causal)[keyof typeof Causal];

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

type Row = 0 | 1 | 2 | 3;
const ROWS_OF_TILE: readonly Row[] = [0, 1, 2, 3];

function multiplyAdd(fused: boolean, acc: number, b: number): Code {
  return fused
    ? [...get(XS), ...get(b), ...get(acc), ...simd32.f32x4RelaxedMadd, ...set(acc)]
    : [...get(acc), ...get(XS), ...get(b), ...simd32.f32x4Mul, ...simd32.f32x4Add, ...set(acc)];
}

function tileStep(fused: boolean, row: Row): Code {
  return [
    ...get(AP[row]), ...simd32.v128Load32Splat(0), ...set(XS),
    ...multiplyAdd(fused, ACC[row][0], B0),
    ...multiplyAdd(fused, ACC[row][1], B1),
    ...get(AP[row]), ...get(A_COL), ...op.i32Add, ...set(AP[row]),
  ];
}

function storeRow(row: Row): Code {
  const [left, right] = ACC[row];
  return [
    ...get(ACCUMULATE), ...op.if,
    ...get(left), ...get(PTR), ...simd32.v128Load(0), ...simd32.f32x4Add, ...set(left),
    ...get(right), ...get(PTR), ...simd32.v128Load(16), ...simd32.f32x4Add, ...set(right),
    ...op.end,
    ...get(PTR), ...get(left), ...simd32.v128Store(0),
    ...get(PTR), ...get(right), ...simd32.v128Store(16),
    ...get(PTR), ...get(OUT_STRIDE), ...op.i32Add, ...set(PTR),
  ];
}

/** Every accumulator starts at the bias of its column, or at zero. */
const startTile: Code = [
  ...get(BIAS), ...op.if,
  ...get(BIAS), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
  ...get(PTR), ...simd32.v128Load(0), ...tee(ACC[0][0]), ...tee(ACC[1][0]), ...tee(ACC[2][0]), ...set(ACC[3][0]),
  ...get(PTR), ...simd32.v128Load(16), ...tee(ACC[0][1]), ...tee(ACC[1][1]), ...tee(ACC[2][1]), ...set(ACC[3][1]),
  ...op.else,
  ...simd32.v128Zero, ...tee(ACC[0][0]), ...tee(ACC[1][0]), ...tee(ACC[2][0]), ...set(ACC[3][0]),
  ...simd32.v128Zero, ...tee(ACC[0][1]), ...tee(ACC[1][1]), ...tee(ACC[2][1]), ...set(ACC[3][1]),
  ...op.end,
];

/** Copies B[0 … INNER−1][J … J+7] to the panel at PACK, 32 bytes a row. */
const packStrip: Code = [
  ...get(B), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
  ...get(PACK), ...set(BP),
  ...get(INNER), ...set(K),
  ...op.loop,
  ...get(BP), ...get(PTR), ...simd32.v128Load(0), ...simd32.v128Store(0),
  ...get(BP), ...get(PTR), ...simd32.v128Load(16), ...simd32.v128Store(16),
  ...get(PTR), ...get(B_STRIDE), ...op.i32Add, ...set(PTR),
  ...get(BP), ...int(PANEL_ROW_BYTES), ...op.i32Add, ...set(BP),
  ...get(K), ...int(1), ...simd32.i32Sub, ...tee(K), ...op.brIf(0),
  ...op.end,
];

const ifCausal = (mode: Causal): Code => [...get(CAUSAL), ...int(mode), ...simd32.i32Eq];

/** min(a, b) of two signed i32 codes. */
const min = (a: Code, b: Code): Code => [...a, ...b, ...a, ...b, ...simd32.i32LtS, ...simd32.select];

/** The causal tile's range of i: [K_START, K_START + K), narrowed by A_LOWER and A_UPPER to where A is not zero. */
const causalRange: Code = [
  ...get(R), ...get(FIRST_ROW), ...op.i32Add, ...set(DIAGONAL),
  ...min(get(DIAGONAL), get(INNER)), ...int(0), ...ifCausal(Causal.A_UPPER), ...simd32.select, ...set(K_START),
  ...min([...get(DIAGONAL), ...int(TILE_ROWS), ...op.i32Add], get(INNER)), ...get(INNER), ...ifCausal(Causal.A_LOWER), ...simd32.select,
  ...get(K_START), ...simd32.i32Sub, ...set(K),
];

/** OUT_LOWER's test: 1 where the tile lies wholly above the diagonal. */
const aboveDiagonal: Code = [...get(J), ...get(DIAGONAL), ...int(TILE_ROWS), ...op.i32Add, ...op.i32GeU, ...ifCausal(Causal.OUT_LOWER), ...op.i32And];

/**
 * The tile at rows R … R+3, columns J … J+7, its sum over i in [K_START, K_START + K). Without
 * CAUSAL that is every i; with it, causalRange narrows it and tiles above the diagonal are
 * skipped under OUT_LOWER (a separate copy of the loop, so the products of the linear layers pay
 * nothing for it).
 */
function tile(fused: boolean, causal: boolean): Code {
  const steps: Code = [
    ...startTile,
    ...get(A), ...get(R), ...get(A_ROW), ...op.i32Mul, ...op.i32Add,
    ...(causal ? [...get(K_START), ...get(A_COL), ...op.i32Mul, ...op.i32Add] : []), ...tee(AP[0]),
    ...get(A_ROW), ...op.i32Add, ...tee(AP[1]),
    ...get(A_ROW), ...op.i32Add, ...tee(AP[2]),
    ...get(A_ROW), ...op.i32Add, ...set(AP[3]),
    ...get(PACK), ...(causal ? [...get(K_START), ...int(5), ...op.i32Shl, ...op.i32Add] : []), ...set(BP),
    ...(causal ? [] : [...get(INNER), ...set(K)]),
    ...get(K), ...int(0), ...simd32.i32GtS, ...op.if,
    ...op.loop, // for i in K_START … K_START + K − 1
    ...get(BP), ...simd32.v128Load(0), ...set(B0),
    ...get(BP), ...simd32.v128Load(16), ...set(B1),
    ...ROWS_OF_TILE.flatMap((row) => tileStep(fused, row)),
    ...get(BP), ...int(PANEL_ROW_BYTES), ...op.i32Add, ...set(BP),
    ...get(K), ...int(1), ...simd32.i32Sub, ...tee(K), ...op.brIf(0),
    ...op.end,
    ...op.end,
    ...get(OUT), ...get(R), ...get(OUT_STRIDE), ...op.i32Mul, ...op.i32Add,
    ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
    ...ROWS_OF_TILE.flatMap(storeRow),
  ];
  return causal ? [...causalRange, ...aboveDiagonal, ...op.i32Eqz, ...op.if, ...steps, ...op.end] : steps;
}

/** Every tile of the strip at J, from its packed panel. */
function strip(fused: boolean, causal: boolean): Code {
  return [
    ...int(0), ...set(R),
    ...op.block, ...op.loop, // for r in 0, 4, … < ROWS
    ...get(R), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
    ...tile(fused, causal),
    ...get(R), ...int(4), ...op.i32Add, ...set(R),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

function body(fused: boolean): Code {
  return [
    ...int(0), ...set(J),
    ...op.block, ...op.loop, // for j in 0, 8, … < COLS
    ...get(J), ...get(COLS), ...op.i32GeU, ...op.brIf(1),
    ...packStrip,
    ...get(CAUSAL), ...op.if, ...strip(fused, true), ...op.else, ...strip(fused, false), ...op.end,
    ...get(J), ...int(8), ...op.i32Add, ...set(J),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export function matmulTilesFunction(fused: boolean): WasmFunction {
  return {
    name: 'matmulTiles',
    params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [[11, I32], [11, V128]],
    body: body(fused),
  };
}

export type MatmulTiles = (
  out: number, outStride: number, a: number, aRow: number, aCol: number, b: number, bStride: number,
  bias: number, rows: number, inner: number, cols: number, accumulate: number, pack: number, causal: Causal, firstRow: number,
) => void;


