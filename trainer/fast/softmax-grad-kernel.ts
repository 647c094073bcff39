/**
 * The causal softmax's backward pass for one head, as a WebAssembly SIMD kernel: for each row t of
 * P and dP (T × T, T a multiple of 4), dS = P ⊙ (dP − Σ P·dP) · scale in place of dP over the
 * vectors that hold u ≤ t, and 0 after them. In the last of those vectors P is 0 past t, so those
 * lanes come out 0 too; dP past that vector is never read, so the product that made it may leave
 * it unwritten (matmul-kernel.ts, OUT_LOWER).
 */
import type { WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { F32, acrossLanes, simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

// causalSoftmaxBackward(dp, p, time, scale)
const DP = 0;
const P = 1;
const TIME = 2;
const SCALE = 3;
const I = 4;
const ROW_BYTES = 5;
const T = 6;
const END = 7; // bytes of row t that hold u ≤ t, rounded up to a vector
const ACC = 8;
const W = 9;
const SCALES = 10;

export const causalSoftmaxBackwardFunction: WasmFunction = {
  name: 'causalSoftmaxBackward',
  params: [I32, I32, I32, F32],
  locals: [[4, I32], [3, V128]],
  body: [
    ...get(TIME), ...int(2), ...op.i32Shl, ...set(ROW_BYTES),
    ...get(SCALE), ...simd32.f32x4Splat, ...set(SCALES),
    ...int(0), ...set(T),
    ...op.loop, // for t in 0 … TIME−1
    ...get(T), ...int(-4), ...op.i32And, ...int(2), ...op.i32Shl, ...int(16), ...op.i32Add, ...set(END),
    ...simd32.v128Zero, ...set(ACC),
    ...int(0), ...set(I),
    ...op.loop,
    ...get(P), ...get(I), ...op.i32Add, ...simd32.v128Load(0), ...get(DP), ...get(I), ...op.i32Add, ...simd32.v128Load(0), ...mul,
    ...get(ACC), ...add, ...set(ACC),
    ...get(I), ...int(16), ...op.i32Add, ...tee(I), ...get(END), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...acrossLanes(ACC, add), ...set(W),
    ...int(0), ...set(I),
    ...op.loop,
    ...get(DP), ...get(I), ...op.i32Add,
    ...get(P), ...get(I), ...op.i32Add, ...simd32.v128Load(0),
    ...get(DP), ...get(I), ...op.i32Add, ...simd32.v128Load(0), ...get(W), ...sub, ...mul, ...get(SCALES), ...mul,
    ...simd32.v128Store(0),
    ...get(I), ...int(16), ...op.i32Add, ...tee(I), ...get(END), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...op.block, ...op.loop, // zero the rest of the row
    ...get(I), ...get(ROW_BYTES), ...op.i32GeU, ...op.brIf(1),
    ...get(DP), ...get(I), ...op.i32Add, ...simd32.v128Zero, ...simd32.v128Store(0),
    ...get(I), ...int(16), ...op.i32Add, ...set(I),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(P), ...get(ROW_BYTES), ...op.i32Add, ...set(P),
    ...get(DP), ...get(ROW_BYTES), ...op.i32Add, ...set(DP),
    ...get(T), ...int(1), ...op.i32Add, ...tee(T), ...get(TIME), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ],
};

export type CausalSoftmaxBackward = (dp: number, p: number, time: number, scale: number) => void;
