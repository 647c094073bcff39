/**
 * The softmax's backward pass over whole rows, as a WebAssembly SIMD kernel: for each row of P and
 * dP (length a multiple of 4), dS = P ⊙ (dP − Σ P·dP) · scale in place of dP. Masked positions need
 * no care: P is 0 there, so their dS is 0 too.
 */
import type { WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { F32, simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

// softmaxBackwardRows(dp, p, rows, length, scale)
const DP = 0;
const P = 1;
const ROWS = 2;
const LENGTH = 3;
const SCALE = 4;
const I = 5;
const ROW_BYTES = 6;
const R = 7;
const ACC = 8;
const W = 9;
const SCALES = 10;

export const softmaxBackwardRowsFunction: WasmFunction = {
  name: 'softmaxBackwardRows',
  params: [I32, I32, I32, I32, F32],
  locals: [[3, I32], [3, V128]],
  body: [
    ...get(LENGTH), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
    ...get(SCALE), ...simd32.f32x4Splat, ...set(SCALES),
    ...get(ROWS), ...set(R),
    ...op.loop,
    ...simd32.v128Zero, ...set(ACC),
    ...int(0), ...set(I),
    ...op.loop,
    ...get(P), ...get(I), ...op.i32Add, ...simd32.v128Load(0), ...get(DP), ...get(I), ...op.i32Add, ...simd32.v128Load(0), ...mul,
    ...get(ACC), ...add, ...set(ACC),
    ...get(I), ...int(16), ...op.i32Add, ...tee(I), ...get(ROW_BYTES), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...get(ACC), ...simd32.f32x4ExtractLane(0), ...get(ACC), ...simd32.f32x4ExtractLane(1), ...simd32.f32Add,
    ...get(ACC), ...simd32.f32x4ExtractLane(2), ...get(ACC), ...simd32.f32x4ExtractLane(3), ...simd32.f32Add,
    ...simd32.f32Add, ...simd32.f32x4Splat, ...set(W),
    ...int(0), ...set(I),
    ...op.loop,
    ...get(DP), ...get(I), ...op.i32Add,
    ...get(P), ...get(I), ...op.i32Add, ...simd32.v128Load(0),
    ...get(DP), ...get(I), ...op.i32Add, ...simd32.v128Load(0), ...get(W), ...sub, ...mul, ...get(SCALES), ...mul,
    ...simd32.v128Store(0),
    ...get(I), ...int(16), ...op.i32Add, ...tee(I), ...get(ROW_BYTES), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...get(P), ...get(ROW_BYTES), ...op.i32Add, ...set(P),
    ...get(DP), ...get(ROW_BYTES), ...op.i32Add, ...set(DP),
    ...get(R), ...int(1), ...simd32.i32Sub, ...tee(R), ...op.brIf(0),
    ...op.end,
  ],
};

export type SoftmaxBackwardRows = (dp: number, p: number, rows: number, length: number, scale: number) => void;
