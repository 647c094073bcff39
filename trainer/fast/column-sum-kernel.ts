/**
 * Bias gradients as a WebAssembly SIMD kernel: db[j] += Σ_r dy[r][j], four columns at a time,
 * rows in order (so each column's sum is the sequential one).
 */
import type { WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

// columnSums(db, dy, rows, cols): cols a multiple of 4 (the row length of dy), rows ≥ 1
const DB = 0;
const DY = 1;
const ROWS = 2;
const COLS = 3;
const J = 4;
const R = 5;
const PTR = 6;
const ROW_BYTES = 7;
const SUM = 8;

export const columnSumsFunction: WasmFunction = {
  name: 'columnSums',
  params: [I32, I32, I32, I32],
  locals: [[4, I32], [1, V128]],
  body: [
    ...get(COLS), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
    ...int(0), ...set(J),
    ...op.block, ...op.loop, // for j in 0, 4, … < COLS
    ...get(J), ...get(COLS), ...op.i32GeU, ...op.brIf(1),
    ...get(DB), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...simd32.v128Load(0), ...set(SUM),
    ...get(DY), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
    ...get(ROWS), ...set(R),
    ...op.loop,
    ...get(SUM), ...get(PTR), ...simd32.v128Load(0), ...simd32.f32x4Add, ...set(SUM),
    ...get(PTR), ...get(ROW_BYTES), ...op.i32Add, ...set(PTR),
    ...get(R), ...int(1), ...simd32.i32Sub, ...tee(R), ...op.brIf(0),
    ...op.end,
    ...get(DB), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...get(SUM), ...simd32.v128Store(0),
    ...get(J), ...int(4), ...op.i32Add, ...set(J),
    ...op.br(0),
    ...op.end, ...op.end,
  ],
};

export type ColumnSums = (db: number, dy: number, rows: number, cols: number) => void;
