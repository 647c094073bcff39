/**
 * One head's causal softmax as a WebAssembly SIMD kernel: for each row t of a T × T block of
 * scores (T a multiple of 4), p_u = e^{(s_u − max)·scale} / Σ over u ≤ t, and 0 for u > t. The last
 * vector of a row that ends inside it is masked (−∞ for the max, 0 after the exponential), so every
 * row is whole vectors. The exponential is exp-kernel.ts's; the row's max and sum are reduced
 * across lanes by shuffles, and every constant comes from the table (kernel-constants.ts).
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import type { ConstantTable } from './kernel-constants.ts';
import { loadConstants } from './kernel-constants.ts';
import { EXP_CONSTANT_COUNT, expConstants, loadExpConstants, vectorExp } from './exp-kernel.ts';
import { F32, acrossLanes, simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
const { f32x4Sub: sub, f32x4Mul: mul } = simd32;

// causalSoftmax(p, time, scale)
const P = 0;
const TIME = 1;
const SCALE = 2;
const T = 3;
const ROW = 4;
const FULL = 5; // bytes of the row's whole vectors before t
const REM = 6; // valid lanes in the next vector (0 … 3)
const I = 7;
const ROW_BYTES = 8;
const END = 9; // bytes of the row that hold valid lanes, rounded up to a vector
const MAXV = 10;
const SUMV = 11;
const MASK = 12;
const SCALES = 13;
const X = 14;
const K = 15;
const R = 16;
const Y = 17;
const MINUS_INFINITY = 18;
const LANE_INDEX = 19;
const ONE = 20;
const EXP = expConstants(21);

/** while (I < limit) { body; I += 16 } */
function vectors(limit: number, body: Code): Code {
  return [
    ...op.block, ...op.loop,
    ...get(I), ...get(limit), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...get(I), ...int(16), ...op.i32Add, ...set(I),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

const at = (offset: number): Code => [...get(ROW), ...get(offset), ...op.i32Add];

function body(fused: boolean, table: ConstantTable): Code {
  const exponential: Code = [...get(MAXV), ...sub, ...get(SCALES), ...mul, ...vectorExp(fused, EXP, X, K, R)];
  return [
    ...loadConstants([[MINUS_INFINITY, table.f32(-Infinity)], [LANE_INDEX, table.i32Lanes([0, 1, 2, 3])], [ONE, table.f32(1)]]),
    ...loadExpConstants(EXP, table),
    ...get(TIME), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
    ...get(SCALE), ...simd32.f32x4Splat, ...set(SCALES),
    ...get(P), ...set(ROW),
    ...int(0), ...set(T),
    ...op.block, ...op.loop, // for t in 0 … TIME−1
    ...get(T), ...get(TIME), ...op.i32GeU, ...op.brIf(1),
    ...get(T), ...int(1), ...op.i32Add, ...tee(REM), ...int(-4), ...op.i32And, ...int(2), ...op.i32Shl, ...set(FULL),
    ...get(REM), ...int(3), ...op.i32And, ...set(REM),
    ...get(LANE_INDEX), ...get(REM), ...simd32.i32x4Splat, ...simd32.i32x4LtS, ...set(MASK),
    ...get(FULL), ...set(END),
    ...get(REM), ...op.if, ...get(FULL), ...int(16), ...op.i32Add, ...set(END), ...op.end,
    // max over the valid lanes, in every lane
    ...get(MINUS_INFINITY), ...set(MAXV),
    ...int(0), ...set(I),
    ...vectors(FULL, [...get(MAXV), ...at(I), ...simd32.v128Load(0), ...simd32.f32x4Pmax, ...set(MAXV)]),
    ...get(REM), ...op.if,
    ...get(MAXV), ...at(FULL), ...simd32.v128Load(0), ...get(MINUS_INFINITY), ...get(MASK), ...simd32.v128Bitselect, ...simd32.f32x4Pmax, ...set(MAXV),
    ...op.end,
    ...acrossLanes(MAXV, simd32.f32x4Pmax), ...set(MAXV),
    // exponentials and their sum
    ...simd32.v128Zero, ...set(SUMV),
    ...int(0), ...set(I),
    ...vectors(FULL, [
      ...at(I), ...simd32.v128Load(0), ...exponential, ...set(Y),
      ...at(I), ...get(Y), ...simd32.v128Store(0),
      ...get(SUMV), ...get(Y), ...simd32.f32x4Add, ...set(SUMV),
    ]),
    ...get(REM), ...op.if,
    ...at(FULL), ...simd32.v128Load(0), ...exponential, ...get(MASK), ...simd32.v128And, ...set(Y),
    ...at(FULL), ...get(Y), ...simd32.v128Store(0),
    ...get(SUMV), ...get(Y), ...simd32.f32x4Add, ...set(SUMV),
    ...op.end,
    // divide by the sum; zero the masked rest of the row
    ...get(ONE), ...acrossLanes(SUMV, simd32.f32x4Add), ...simd32.f32x4Div, ...set(Y),
    ...int(0), ...set(I),
    ...vectors(END, [...at(I), ...at(I), ...simd32.v128Load(0), ...get(Y), ...mul, ...simd32.v128Store(0)]),
    ...vectors(ROW_BYTES, [...at(I), ...simd32.v128Zero, ...simd32.v128Store(0)]),
    ...get(ROW), ...get(ROW_BYTES), ...op.i32Add, ...set(ROW),
    ...get(T), ...int(1), ...op.i32Add, ...set(T),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export function causalSoftmaxFunction(fused: boolean, table: ConstantTable): WasmFunction {
  return {
    name: 'causalSoftmax',
    params: [I32, I32, F32],
    locals: [[7, I32], [11 + EXP_CONSTANT_COUNT, V128]],
    body: body(fused, table),
  };
}

export type CausalSoftmax = (p: number, time: number, scale: number) => void;
