/**
 * GELU (GPT-2's tanh form) forward and backward as WebAssembly SIMD kernels, four floats at a
 * time. tanh is the rational approximation Eigen and XLA use for float32 (odd degree-13 numerator,
 * even degree-6 denominator, argument clamped to ±7.905 where tanh is 1 in float32); its largest
 * error against Math.tanh is 3.6e-7 (the tests measure it). The forward pass keeps tanh(u) for the
 * backward pass, which is then arithmetic only:
 *
 *   u = √(2/π)·(x + 0.044715·x³),  t = tanh(u),  y = 0.5·x·(1 + t)
 *   dy/dx = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { f32x4Const, simd32 } from './wasm-simd.ts';

const GELU_SCALE = Math.sqrt(2 / Math.PI);
const CUBE = 0.044715;
const CLAMP = 7.90531110763549805;
const NUMERATOR = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8,
  -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16,
];
const DENOMINATOR = [4.89352518554385e-3, 2.26843463243900e-3, 1.18534705686654e-4, 1.19825839466702e-6];

const { localGet: get, localSet: set, localTee: tee } = op;
const { f32x4Add: add, f32x4Mul: mul } = simd32;

/** The float tanh approximation, for the tests. */
export function rationalTanh(u: number): number {
  const f = Math.fround;
  const x = Math.max(-CLAMP, Math.min(CLAMP, u));
  const x2 = f(x * x);
  let p = NUMERATOR[6]!;
  for (let i = 5; i >= 0; i--) p = f(f(p * x2) + f(NUMERATOR[i]!));
  let q = DENOMINATOR[3]!;
  for (let i = 2; i >= 0; i--) q = f(f(q * x2) + f(DENOMINATOR[i]!));
  return f(f(p * x) / q);
}

/** Horner's rule on the value in `x2`, leaving the polynomial on the stack. */
function horner(coefficients: readonly number[], x2: number): Code {
  const code: number[] = [...f32x4Const(coefficients[coefficients.length - 1]!)];
  for (let i = coefficients.length - 2; i >= 0; i--) code.push(...get(x2), ...mul, ...f32x4Const(coefficients[i]!), ...add);
  return code;
}

/**
 * A loop over `count` floats (a multiple of 4, at least 4) advancing the pointer params by 16
 * bytes a step; `step` is the body for one vector.
 */
function vectorLoop(count: number, pointers: readonly number[], end: number, step: Code): Code {
  return [
    ...get(pointers[0]!), ...get(count), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...set(end),
    ...op.loop,
    ...step,
    ...pointers.flatMap((p) => [...get(p), ...op.i32Const(16), ...op.i32Add, ...set(p)]),
    ...get(pointers[0]!), ...get(end), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ];
}

// geluForward(out, tanhOut, x, count)
const F_OUT = 0;
const F_T = 1;
const F_X = 2;
const F_COUNT = 3;
const F_END = 4;
const F_XV = 5;
const F_U = 6;
const F_U2 = 7;
const F_TV = 8;

const forwardStep: Code = [
  ...get(F_X), ...simd32.v128Load(0), ...tee(F_XV),
  ...get(F_XV), ...mul, ...get(F_XV), ...mul, ...f32x4Const(CUBE), ...mul, ...get(F_XV), ...add,
  ...f32x4Const(GELU_SCALE), ...mul,
  ...f32x4Const(-CLAMP), ...simd32.f32x4Max, ...f32x4Const(CLAMP), ...simd32.f32x4Min, ...tee(F_U),
  ...get(F_U), ...mul, ...set(F_U2),
  ...horner(NUMERATOR, F_U2), ...get(F_U), ...mul,
  ...horner(DENOMINATOR, F_U2), ...simd32.f32x4Div, ...set(F_TV),
  ...get(F_T), ...get(F_TV), ...simd32.v128Store(0),
  ...get(F_OUT), ...get(F_XV), ...f32x4Const(0.5), ...mul, ...get(F_TV), ...f32x4Const(1), ...add, ...mul, ...simd32.v128Store(0),
];

export const geluForwardFunction: WasmFunction = {
  name: 'geluForward',
  params: [I32, I32, I32, I32],
  locals: [[1, I32], [4, V128]],
  body: vectorLoop(F_COUNT, [F_OUT, F_T, F_X], F_END, forwardStep),
};

// geluBackward(dx, x, t, dout, count)
const B_DX = 0;
const B_X = 1;
const B_T = 2;
const B_DOUT = 3;
const B_COUNT = 4;
const B_END = 5;
const B_XV = 6;
const B_TV = 7;

const backwardStep: Code = [
  ...get(B_X), ...simd32.v128Load(0), ...set(B_XV),
  ...get(B_T), ...simd32.v128Load(0), ...set(B_TV),
  ...get(B_DX),
  // 0.5·(1 + t)
  ...get(B_TV), ...f32x4Const(1), ...add, ...f32x4Const(0.5), ...mul,
  // + 0.5·x·(1 − t²)·√(2/π)·(1 + 3c·x²)
  ...get(B_XV), ...f32x4Const(0.5), ...mul,
  ...f32x4Const(1), ...get(B_TV), ...get(B_TV), ...mul, ...simd32.f32x4Sub, ...mul,
  ...get(B_XV), ...get(B_XV), ...mul, ...f32x4Const(3 * CUBE), ...mul, ...f32x4Const(1), ...add,
  ...f32x4Const(GELU_SCALE), ...mul, ...mul,
  ...add,
  ...get(B_DOUT), ...simd32.v128Load(0), ...mul,
  ...simd32.v128Store(0),
];

export const geluBackwardFunction: WasmFunction = {
  name: 'geluBackward',
  params: [I32, I32, I32, I32, I32],
  locals: [[1, I32], [2, V128]],
  body: vectorLoop(B_COUNT, [B_DX, B_X, B_T, B_DOUT], B_END, backwardStep),
};

export type GeluForward = (out: number, tanhOut: number, x: number, count: number) => void;
export type GeluBackward = (dx: number, x: number, t: number, dout: number, count: number) => void;
