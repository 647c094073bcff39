/**
 * The matrix product of linear.ts as a WebAssembly SIMD kernel. It computes 4 × 8 tiles of the
 * output: four rows of x against eight columns of W, the columns four to a 128-bit register (one
 * f32 per lane), so each step of the inner loop loads four x values and eight weights and does
 * thirty-two multiply-adds. The loop takes two inputs per turn, so the four x pointers move once
 * for both (the loop is bound by how many instructions the processor can issue).
 *
 * Each lane holds exactly one output's running sum, started at its bias and added to in input
 * order i = 0, 1, …, with a separate float32 multiply and add (WebAssembly has no implicit FMA).
 * So the result is bit for bit that of linear.ts's scalar loop; the tests check it on random shapes.
 */
import type { Code, WasmFunction } from './wasm-builder.ts';
import type { WasmMemory } from './wasm-builder.ts';
import { I32, V128, buildModule, op, wasmApi } from './wasm-builder.ts';

// Parameters (all i32; pointers are byte offsets into the memory).
const OUT = 0;
const X = 1;
const W = 2;
const BIAS = 3;
const ROWS = 4; // a multiple of 4
const N = 5; // inputs per row
const M = 6; // row length of out
const W_STRIDE = 7; // row length of W (≥ M)
const COLS = 8; // columns to compute: a multiple of 8, at most M
const ACCUMULATE = 9; // 0: out = y, 1: out += y
// i32 locals.
const R = 10;
const J = 11;
const ROW_BYTES_X = 12;
const ROW_BYTES_W = 13;
const ROW_BYTES_OUT = 14;
const XR = 15; // first x row of the tile
const XEND = 16;
const WP = 17; // W[i][j]
const PTR = 18; // scratch pointer
const XP = [19, 20, 21, 22] as const; // x[r+k][i] for the tile's rows k
// v128 locals.
const LEFT = [23, 24, 25, 26] as const; // columns j … j+3 of rows r … r+3
const RIGHT = [27, 28, 29, 30] as const; // columns j+4 … j+7
const W_LEFT = 31;
const W_RIGHT = 32;
const XS = 33;

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

const multiplyAdd = (acc: number, x: number, w: number): Code => [
  ...get(acc), ...get(x), ...get(w), ...op.f32x4Mul, ...op.f32x4Add, ...set(acc),
];

/** Row k of the tile takes x[r+k][i] from XP[k] + offset (the pointer itself is advanced apart). */
const tileRow = (k: 0 | 1 | 2 | 3, offset: number): Code => [
  ...get(XP[k]), ...op.v128Load32Splat(offset), ...set(XS),
  ...multiplyAdd(LEFT[k], XS, W_LEFT),
  ...multiplyAdd(RIGHT[k], XS, W_RIGHT),
];

/** One input i: the weights W[i][j … j+7] at WP, then WP moves to row i + 1. */
const step = (offset: number): Code => [
  ...get(WP), ...op.v128Load(0), ...set(W_LEFT),
  ...get(WP), ...op.v128Load(16), ...set(W_RIGHT),
  ...tileRow(0, offset), ...tileRow(1, offset), ...tileRow(2, offset), ...tileRow(3, offset),
  ...get(WP), ...get(ROW_BYTES_W), ...op.i32Add, ...set(WP),
];

const advanceX = (bytes: number): Code => XP.flatMap((p) => [...get(p), ...int(bytes), ...op.i32Add, ...set(p)]);

const storeRow = (k: 0 | 1 | 2 | 3): Code => [
  ...get(ACCUMULATE), ...op.if,
  ...get(PTR), ...get(PTR), ...op.v128Load(0), ...get(LEFT[k]), ...op.f32x4Add, ...op.v128Store(0),
  ...get(PTR), ...get(PTR), ...op.v128Load(16), ...get(RIGHT[k]), ...op.f32x4Add, ...op.v128Store(16),
  ...op.else,
  ...get(PTR), ...get(LEFT[k]), ...op.v128Store(0),
  ...get(PTR), ...get(RIGHT[k]), ...op.v128Store(16),
  ...op.end,
  ...get(PTR), ...get(ROW_BYTES_OUT), ...op.i32Add, ...set(PTR),
];

const body: Code = [
  ...get(N), ...int(2), ...op.i32Shl, ...set(ROW_BYTES_X),
  ...get(W_STRIDE), ...int(2), ...op.i32Shl, ...set(ROW_BYTES_W),
  ...get(M), ...int(2), ...op.i32Shl, ...set(ROW_BYTES_OUT),
  // Columns outside, rows inside: one strip of W (N × 8 weights) stays in the L1 cache while
  // every block of rows passes over it, instead of all of W streaming by for each block.
  ...int(0), ...set(J),
  ...op.block, ...op.loop, // for j in 0, 8, … < COLS
  ...get(J), ...get(COLS), ...op.i32GeU, ...op.brIf(1),
  ...int(0), ...set(R),
  ...op.block, ...op.loop, // for r in 0, 4, … < ROWS
  ...get(R), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
  ...get(X), ...get(R), ...get(ROW_BYTES_X), ...op.i32Mul, ...op.i32Add, ...set(XR),
  // XEND: where the pairs of inputs end, x[r][N rounded down to even].
  ...get(XR), ...get(N), ...int(-2), ...op.i32And, ...int(2), ...op.i32Shl, ...op.i32Add, ...set(XEND),
  // Every sum starts at its column's bias.
  ...get(BIAS), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
  ...get(PTR), ...op.v128Load(0), ...tee(LEFT[0]), ...tee(LEFT[1]), ...tee(LEFT[2]), ...set(LEFT[3]),
  ...get(PTR), ...op.v128Load(16), ...tee(RIGHT[0]), ...tee(RIGHT[1]), ...tee(RIGHT[2]), ...set(RIGHT[3]),
  ...get(XR), ...tee(XP[0]),
  ...get(ROW_BYTES_X), ...op.i32Add, ...tee(XP[1]),
  ...get(ROW_BYTES_X), ...op.i32Add, ...tee(XP[2]),
  ...get(ROW_BYTES_X), ...op.i32Add, ...set(XP[3]),
  ...get(W), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(WP),
  // for i in 0 … N−1, two inputs a step (the x pointers move once for both), then an odd last
  // one: the same operations on each sum in the same order, with less pointer arithmetic.
  ...get(XP[0]), ...get(XEND), ...op.i32LtU, ...op.if,
  ...op.loop,
  ...step(0), ...step(4), ...advanceX(8),
  ...get(XP[0]), ...get(XEND), ...op.i32LtU, ...op.brIf(0),
  ...op.end,
  ...op.end,
  ...get(N), ...int(1), ...op.i32And, ...op.if,
  ...step(0), ...advanceX(4),
  ...op.end,
  ...get(OUT), ...get(R), ...get(ROW_BYTES_OUT), ...op.i32Mul, ...op.i32Add,
  ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
  ...storeRow(0), ...storeRow(1), ...storeRow(2), ...storeRow(3),
  ...get(R), ...int(4), ...op.i32Add, ...set(R),
  ...op.br(0),
  ...op.end, ...op.end,
  ...get(J), ...int(8), ...op.i32Add, ...set(J),
  ...op.br(0),
  ...op.end, ...op.end,
];

const linearTiles: WasmFunction = {
  name: 'linearTiles',
  params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
  locals: [[13, I32], [11, V128]],
  body,
};

export type LinearTiles = (
  out: number, x: number, w: number, bias: number, rows: number, n: number, m: number, wStride: number, cols: number,
  accumulate: number,
) => void;

let compiled: object | null | undefined;

/** The compiled module, or null where the engine has no WebAssembly SIMD. */
function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(buildModule([linearTiles])) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The kernel bound to a memory, or null without WebAssembly SIMD (callers fall back to linear.ts). */
export function instantiateLinearTiles(memory: WasmMemory): LinearTiles | null {
  const module = kernelModule();
  if (module === null || !wasmApi) return null;
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return instance.exports['linearTiles'] as LinearTiles;
}
