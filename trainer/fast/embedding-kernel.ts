/**
 * Token plus position embedding, forward and backward, as WebAssembly SIMD kernels for widths
 * that are a multiple of 4 (embedding.ts states the math and keeps the other widths). Each row's
 * token and position come as int32 arrays, so one call covers the batch:
 *
 *   forward   x[r] = wte[token[r]] + wpe[position[r]]
 *   backward  dwte[token[r]] += dx[r],  dwpe[position[r]] += dx[r]   (rows in order)
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

/** i32.load (alignment 4) at the address on the stack. */
const i32Load: Code = [0x28, 2, 0];

// Shared layout of both kernels' parameters and locals.
const X = 0; // x (forward) or dx (backward), advancing a row at a time
const TOKEN_TABLE = 1; // wte or dwte
const POSITION_TABLE = 2; // wpe or dwpe
const TOKENS = 3; // int32 per row, advancing
const POSITIONS = 4; // int32 per row, advancing
const ROWS = 5; // ≥ 1
const WIDTH = 6; // a multiple of 4, at least 4
const ROW_BYTES = 7;
const TOKEN_ROW = 8;
const POSITION_ROW = 9;
const I = 10;
const V = 11;

/** Sets TOKEN_ROW and POSITION_ROW to this row's rows of the tables, then runs `vector` for I over the row's bytes. */
function perRow(vector: Code): Code {
  return [
    ...get(WIDTH), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
    ...op.loop,
    ...get(TOKEN_TABLE), ...get(TOKENS), ...i32Load, ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add, ...set(TOKEN_ROW),
    ...get(POSITION_TABLE), ...get(POSITIONS), ...i32Load, ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add, ...set(POSITION_ROW),
    ...int(0), ...set(I),
    ...op.loop,
    ...vector,
    ...get(I), ...int(16), ...op.i32Add, ...tee(I), ...get(ROW_BYTES), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...get(X), ...get(ROW_BYTES), ...op.i32Add, ...set(X),
    ...get(TOKENS), ...int(4), ...op.i32Add, ...set(TOKENS),
    ...get(POSITIONS), ...int(4), ...op.i32Add, ...set(POSITIONS),
    ...get(ROWS), ...int(1), ...simd32.i32Sub, ...tee(ROWS), ...op.brIf(0),
    ...op.end,
  ];
}

const at = (base: number): Code => [...get(base), ...get(I), ...op.i32Add];

export const embedForwardFunction: WasmFunction = {
  name: 'embedForward',
  params: [I32, I32, I32, I32, I32, I32, I32],
  locals: [[4, I32], [1, V128]],
  body: perRow([
    ...at(X), ...at(TOKEN_ROW), ...simd32.v128Load(0), ...at(POSITION_ROW), ...simd32.v128Load(0), ...simd32.f32x4Add, ...simd32.v128Store(0),
  ]),
};

export const embedBackwardFunction: WasmFunction = {
  name: 'embedBackward',
  params: [I32, I32, I32, I32, I32, I32, I32],
  locals: [[4, I32], [1, V128]],
  body: perRow([
    ...at(X), ...simd32.v128Load(0), ...set(V),
    ...at(TOKEN_ROW), ...at(TOKEN_ROW), ...simd32.v128Load(0), ...get(V), ...simd32.f32x4Add, ...simd32.v128Store(0),
    ...at(POSITION_ROW), ...at(POSITION_ROW), ...simd32.v128Load(0), ...get(V), ...simd32.f32x4Add, ...simd32.v128Store(0),
  ]),
};

/** Byte addresses; tokens and positions are int32 arrays of `rows` entries. */
export type EmbedForward = (x: number, wte: number, wpe: number, tokens: number, positions: number, rows: number, width: number) => void;
export type EmbedBackward = (dx: number, dwte: number, dwpe: number, tokens: number, positions: number, rows: number, width: number) => void;
