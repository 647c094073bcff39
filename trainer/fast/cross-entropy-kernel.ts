/**
 * The softmax cross-entropy's gradient over whole rows of logits, as a WebAssembly SIMD kernel:
 * for each row (length a multiple of 4), with m its max and s = Σ e^{x − m},
 *
 *   x ← e^{x − m} · scale / s        (scale = 1/count: the mean's gradient, before the target's −1/count)
 *
 * and (m, s) go to `stats`, two floats a row, for the loss m + ln s − x_target that JavaScript
 * finishes (WebAssembly has no logarithm). One call for the batch replaces a JavaScript max and
 * normalisation around an exponential kernel per row. The exponential is exp-kernel.ts's.
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import type { ConstantTable } from './kernel-constants.ts';
import { loadConstants } from './kernel-constants.ts';
import { EXP_CONSTANT_COUNT, expConstants, loadExpConstants, vectorExp } from './exp-kernel.ts';
import { F32, acrossLanes, simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

// crossEntropyRows(logits, rows, length, scale, stats)
const ROW = 0;
const ROWS = 1;
const LENGTH = 2;
const SCALE = 3;
const STATS = 4;
const PTR = 5;
const END = 6;
const ROW_BYTES = 7;
const MAXV = 8;
const SUMV = 9;
const FACTOR = 10;
const X = 11;
const K = 12;
const R = 13;
const Y = 14;
const MINUS_INFINITY = 15;
const EXP = expConstants(16);

/** for (PTR = ROW; PTR < END; PTR += 16) body */
function vectors(body: Code): Code {
  return [
    ...get(ROW), ...set(PTR),
    ...op.loop,
    ...body,
    ...get(PTR), ...int(16), ...op.i32Add, ...tee(PTR), ...get(END), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ];
}

function body(fused: boolean, table: ConstantTable): Code {
  return [
    ...loadConstants([[MINUS_INFINITY, table.f32(-Infinity)]]),
    ...loadExpConstants(EXP, table),
    ...get(LENGTH), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
    ...op.loop, // for each row
    ...get(ROW), ...get(ROW_BYTES), ...op.i32Add, ...set(END),
    ...get(MINUS_INFINITY), ...set(MAXV),
    ...vectors([...get(MAXV), ...get(PTR), ...simd32.v128Load(0), ...simd32.f32x4Pmax, ...set(MAXV)]),
    ...acrossLanes(MAXV, simd32.f32x4Pmax), ...set(MAXV),
    ...simd32.v128Zero, ...set(SUMV),
    ...vectors([
      ...get(PTR), ...simd32.v128Load(0), ...get(MAXV), ...sub, ...vectorExp(fused, EXP, X, K, R), ...tee(Y),
      ...get(SUMV), ...add, ...set(SUMV),
      ...get(PTR), ...get(Y), ...simd32.v128Store(0),
    ]),
    ...acrossLanes(SUMV, add), ...set(SUMV),
    ...get(SCALE), ...simd32.f32x4Splat, ...get(SUMV), ...simd32.f32x4Div, ...set(FACTOR),
    ...vectors([...get(PTR), ...get(PTR), ...simd32.v128Load(0), ...get(FACTOR), ...mul, ...simd32.v128Store(0)]),
    ...get(STATS), ...get(MAXV), ...simd32.f32x4ExtractLane(0), ...simd32.f32Store(0),
    ...get(STATS), ...get(SUMV), ...simd32.f32x4ExtractLane(0), ...simd32.f32Store(4),
    ...get(STATS), ...int(8), ...op.i32Add, ...set(STATS),
    ...get(END), ...set(ROW),
    ...get(ROWS), ...int(1), ...simd32.i32Sub, ...tee(ROWS), ...op.brIf(0),
    ...op.end,
  ];
}

export function crossEntropyRowsFunction(fused: boolean, table: ConstantTable): WasmFunction {
  return {
    name: 'crossEntropyRows',
    params: [I32, I32, I32, F32, I32],
    locals: [[3, I32], [8 + EXP_CONSTANT_COUNT, V128]],
    body: body(fused, table),
  };
}

/** rows ≥ 1; length a multiple of 4, at least 4. */
export type CrossEntropyRows = (logits: number, rows: number, length: number, scale: number, stats: number) => void;
