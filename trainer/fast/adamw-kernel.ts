/**
 * AdamW's update and the squared norm the clipping needs, as WebAssembly SIMD kernels over a run
 * of floats (one tensor: the decay factor is per tensor). adamw.ts states the formulas.
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { F32, simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

const splat = (param: number, local: number): Code => [...get(param), ...simd32.f32x4Splat, ...set(local)];

// adamwUpdate(p, g, m, v, count, beta1, beta2, decay, stepSize, inverseCorrection2, eps, gradScale)
const P = 0;
const G = 1;
const M = 2;
const V = 3;
const COUNT = 4; // a multiple of 4, at least 4
const PARAMS_F32 = [5, 6, 7, 8, 9, 10, 11] as const; // beta1, beta2, decay, stepSize, 1/sqrt(1 − β2ᵗ), eps, gradScale
const END = 12;
const [B1, B2, DECAY, STEP, INV_C2, EPS, SCALE] = [13, 14, 15, 16, 17, 18, 19] as const;
const GV = 20;
const MV = 21;
const VV = 22;
const ONE_MINUS_B1 = 23;
const ONE_MINUS_B2 = 24;

const updateStep: Code = [
  ...get(G), ...simd32.v128Load(0), ...get(SCALE), ...mul, ...set(GV),
  ...get(M), ...get(M), ...simd32.v128Load(0), ...get(B1), ...mul,
  ...get(ONE_MINUS_B1), ...get(GV), ...mul, ...add, ...tee(MV), ...simd32.v128Store(0),
  ...get(V), ...get(V), ...simd32.v128Load(0), ...get(B2), ...mul,
  ...get(ONE_MINUS_B2), ...get(GV), ...mul, ...get(GV), ...mul, ...add, ...tee(VV), ...simd32.v128Store(0),
  ...get(P),
  ...get(P), ...simd32.v128Load(0), ...get(DECAY), ...mul,
  ...get(MV), ...get(VV), ...simd32.f32x4Sqrt, ...get(INV_C2), ...mul, ...get(EPS), ...add, ...simd32.f32x4Div, ...get(STEP), ...mul,
  ...sub,
  ...simd32.v128Store(0),
];

export const adamwUpdateFunction: WasmFunction = {
  name: 'adamwUpdate',
  params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32],
  locals: [[1, I32], [12, V128]],
  body: [
    ...splat(PARAMS_F32[0], B1), ...splat(PARAMS_F32[1], B2), ...splat(PARAMS_F32[2], DECAY), ...splat(PARAMS_F32[3], STEP),
    ...splat(PARAMS_F32[4], INV_C2), ...splat(PARAMS_F32[5], EPS), ...splat(PARAMS_F32[6], SCALE),
    // 1 − β as a splat of the float32 difference, computed once here rather than per vector (v128.const costs three instructions a use)
    ...simd32.f32Const(1), ...get(PARAMS_F32[0]), ...simd32.f32Sub, ...simd32.f32x4Splat, ...set(ONE_MINUS_B1),
    ...simd32.f32Const(1), ...get(PARAMS_F32[1]), ...simd32.f32Sub, ...simd32.f32x4Splat, ...set(ONE_MINUS_B2),
    ...get(P), ...get(COUNT), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...set(END),
    ...op.loop,
    ...updateStep,
    ...[P, G, M, V].flatMap((ptr) => [...get(ptr), ...op.i32Const(16), ...op.i32Add, ...set(ptr)]),
    ...get(P), ...get(END), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ],
};

// sumSquares(x, count, out): out[0] = Σ x² (four float32 partial sums, added at the end)
const SX = 0;
const SCOUNT = 1;
const SOUT = 2;
const SEND = 3;
const SUM = 4;

export const sumSquaresFunction: WasmFunction = {
  name: 'sumSquares',
  params: [I32, I32, I32],
  locals: [[1, I32], [1, V128]],
  body: [
    ...get(SX), ...get(SCOUNT), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...set(SEND),
    ...op.loop,
    ...get(SX), ...simd32.v128Load(0), ...get(SX), ...simd32.v128Load(0), ...mul, ...get(SUM), ...add, ...set(SUM),
    ...get(SX), ...op.i32Const(16), ...op.i32Add, ...tee(SX), ...get(SEND), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...get(SOUT),
    ...get(SUM), ...simd32.f32x4ExtractLane(0), ...get(SUM), ...simd32.f32x4ExtractLane(1), ...simd32.f32Add,
    ...get(SUM), ...simd32.f32x4ExtractLane(2), ...get(SUM), ...simd32.f32x4ExtractLane(3), ...simd32.f32Add,
    ...simd32.f32Add,
    ...simd32.f32Store(0),
  ],
};

export type AdamwUpdate = (
  p: number, g: number, m: number, v: number, count: number, beta1: number, beta2: number, decay: number,
  stepSize: number, inverseCorrection2: number, eps: number, gradScale: number,
) => void;
export type SumSquares = (x: number, count: number, out: number) => void;
