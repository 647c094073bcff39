/**
 * One head's causal softmax as a WebAssembly SIMD kernel: for each row t of a T × T block of
 * scores (T a multiple of 4), p_u = e^{(s_u − max)·scale} / Σ over u ≤ t, and 0 for u > t. The last
 * vector of a row that ends inside it is masked (−∞ for the max, 0 after the exponential), so every
 * row is whole vectors. The exponential is exp-kernel.ts's.
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { vectorExp } from './exp-kernel.ts';
import { F32, f32x4Const, i32x4Lanes, simd32 } from './wasm-simd.ts';

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
const MAX = 10; // f32
const MAXV = 11;
const SUMV = 12;
const MASK = 13;
const SCALES = 14;
const SHIFTS = 15;
const X = 16;
const K = 17;
const R = 18;
const Y = 19;

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

const lanes = (v: number, combine: Code): Code => [
  ...get(v), ...simd32.f32x4ExtractLane(0), ...get(v), ...simd32.f32x4ExtractLane(1), ...combine,
  ...get(v), ...simd32.f32x4ExtractLane(2), ...get(v), ...simd32.f32x4ExtractLane(3), ...combine,
  ...combine,
];

const at = (offset: number): Code => [...get(ROW), ...get(offset), ...op.i32Add];

const exponential: Code = [...get(SHIFTS), ...sub, ...get(SCALES), ...mul, ...vectorExp(X, K, R)];

const body: Code = [
  ...get(TIME), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
  ...get(SCALE), ...simd32.f32x4Splat, ...set(SCALES),
  ...get(P), ...set(ROW),
  ...int(0), ...set(T),
  ...op.block, ...op.loop, // for t in 0 … TIME−1
  ...get(T), ...get(TIME), ...op.i32GeU, ...op.brIf(1),
  ...get(T), ...int(1), ...op.i32Add, ...tee(REM), ...int(-4), ...simd32.i32And, ...int(2), ...op.i32Shl, ...set(FULL),
  ...get(REM), ...int(3), ...simd32.i32And, ...set(REM),
  ...i32x4Lanes([0, 1, 2, 3]), ...get(REM), ...simd32.i32x4Splat, ...simd32.i32x4LtS, ...set(MASK),
  ...get(FULL), ...set(END),
  ...get(REM), ...op.if, ...get(FULL), ...int(16), ...op.i32Add, ...set(END), ...op.end,
  // max over the valid lanes
  ...f32x4Const(-Infinity), ...set(MAXV),
  ...int(0), ...set(I),
  ...vectors(FULL, [...get(MAXV), ...at(I), ...simd32.v128Load(0), ...simd32.f32x4Max, ...set(MAXV)]),
  ...get(REM), ...op.if,
  ...get(MAXV), ...at(FULL), ...simd32.v128Load(0), ...f32x4Const(-Infinity), ...get(MASK), ...simd32.v128Bitselect, ...simd32.f32x4Max, ...set(MAXV),
  ...op.end,
  ...lanes(MAXV, simd32.f32Max), ...set(MAX),
  ...get(MAX), ...simd32.f32x4Splat, ...set(SHIFTS),
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
  ...f32x4Const(1), ...lanes(SUMV, simd32.f32Add), ...simd32.f32x4Splat, ...simd32.f32x4Div, ...set(Y),
  ...int(0), ...set(I),
  ...vectors(END, [...at(I), ...at(I), ...simd32.v128Load(0), ...get(Y), ...mul, ...simd32.v128Store(0)]),
  ...vectors(ROW_BYTES, [...at(I), ...simd32.v128Zero, ...simd32.v128Store(0)]),
  ...get(ROW), ...get(ROW_BYTES), ...op.i32Add, ...set(ROW),
  ...get(T), ...int(1), ...op.i32Add, ...set(T),
  ...op.br(0),
  ...op.end, ...op.end,
];

export const causalSoftmaxFunction: WasmFunction = {
  name: 'causalSoftmax',
  params: [I32, I32, F32],
  locals: [[7, I32], [1, F32], [9, V128]],
  body,
};

export type CausalSoftmax = (p: number, time: number, scale: number) => void;
