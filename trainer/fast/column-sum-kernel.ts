/**
 * Bias gradients as a WebAssembly SIMD kernel: db[j] += Σ_r dy[r][j], rows in order (so each
 * column's sum is the sequential one). Columns go sixteen at a time (four vectors, one cache line
 * of each row), then four at a time for the rest: walking down four columns alone read each line
 * of dy four times, and rows 256 B to 1 KiB apart fall in a few L1 sets, so every read went to L2.
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
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
const WIDE_END = 8; // COLS rounded down to a multiple of 16
const SUMS = [9, 10, 11, 12] as const;

/** for (; J < limit; J += 4·|sums|) the columns J … J + 4·|sums| − 1 summed down the rows. */
function columnBlocks(limit: Code, sums: readonly number[]): Code {
  const width = 4 * sums.length;
  const at = (v: number): Code => [...get(DB), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...(v === 0 ? [] : [...int(16 * v), ...op.i32Add])];
  return [
    ...op.block, ...op.loop,
    ...get(J), ...limit, ...op.i32GeU, ...op.brIf(1),
    ...sums.flatMap((sum, v) => [...at(v), ...simd32.v128Load(0), ...set(sum)]),
    ...get(DY), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
    ...get(ROWS), ...set(R),
    ...op.loop,
    ...sums.flatMap((sum, v) => [...get(sum), ...get(PTR), ...simd32.v128Load(16 * v), ...simd32.f32x4Add, ...set(sum)]),
    ...get(PTR), ...get(ROW_BYTES), ...op.i32Add, ...set(PTR),
    ...get(R), ...int(1), ...simd32.i32Sub, ...tee(R), ...op.brIf(0),
    ...op.end,
    ...sums.flatMap((sum, v) => [...at(v), ...get(sum), ...simd32.v128Store(0)]),
    ...get(J), ...int(width), ...op.i32Add, ...set(J),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export const columnSumsFunction: WasmFunction = {
  name: 'columnSums',
  params: [I32, I32, I32, I32],
  locals: [[5, I32], [4, V128]],
  body: [
    ...get(COLS), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
    ...get(COLS), ...int(-16), ...op.i32And, ...set(WIDE_END),
    ...int(0), ...set(J),
    ...columnBlocks(get(WIDE_END), SUMS),
    ...columnBlocks(get(COLS), [SUMS[0]]),
  ],
};

export type ColumnSums = (db: number, dy: number, rows: number, cols: number) => void;
