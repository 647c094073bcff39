/**
 * The softmax's exponentials as a WebAssembly SIMD kernel, four at a time: p ← e^{(p − shift)·scale}
 * over a run of floats, and their sum. e^x is Cephes' expf (x = k·ln2 + r, a degree-7 polynomial
 * in r, 2^k built in the exponent bits): against Math.exp of the same float32 argument, within
 * 4e-6 relative, which is the rounding of (p − shift)·scale to float32 for arguments near −87.
 * x is clamped at −87, where e^x is 1.6e-38, so the caller zeroes what must be exactly zero
 * (masked attention positions).
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { F32, f32x4Const, i32x4Const, simd32 } from './wasm-simd.ts';

const LOWEST = -87;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const POLYNOMIAL = [5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3, 1.9875691500e-4];

const { localGet: get, localSet: set, localTee: tee } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

// expShifted(ptr, count, shift, scale, sumOut)
const PTR = 0;
const COUNT = 1; // a multiple of 4, at least 4
const SHIFT = 2; // f32
const SCALE = 3; // f32
const SUM_OUT = 4; // where the sum (f32) goes
const END = 5;
const X = 6;
const K = 7;
const R = 8;
const Y = 9;
const SUM = 10;
const SHIFTS = 11;
const SCALES = 12;

/** Consumes a vector from the stack and leaves e^x of each lane, using three scratch v128 locals. */
export function vectorExp(x: number, k: number, r: number): Code {
  return [
    ...f32x4Const(LOWEST), ...simd32.f32x4Max, ...set(x),
    ...get(x), ...f32x4Const(Math.LOG2E), ...mul, ...simd32.f32x4Nearest, ...set(k),
    ...get(x), ...get(k), ...f32x4Const(LN2_HI), ...mul, ...sub, ...get(k), ...f32x4Const(LN2_LO), ...mul, ...sub, ...set(r),
    ...polynomial(r),
    // 2^k: (k + 127) << 23 read as a float.
    ...get(k), ...simd32.i32x4TruncSatF32x4S, ...i32x4Const(127), ...simd32.i32x4Add, ...op.i32Const(23), ...simd32.i32x4Shl,
    ...mul,
  ];
}

function polynomial(R: number): Code {
  const code: number[] = [...f32x4Const(POLYNOMIAL[POLYNOMIAL.length - 1]!)];
  for (let i = POLYNOMIAL.length - 2; i >= 0; i--) code.push(...get(R), ...mul, ...f32x4Const(POLYNOMIAL[i]!), ...add);
  // · r² + r + 1
  return [...code, ...get(R), ...mul, ...get(R), ...mul, ...get(R), ...add, ...f32x4Const(1), ...add];
}

const step: Code = [
  ...get(PTR), ...simd32.v128Load(0), ...get(SHIFTS), ...sub, ...get(SCALES), ...mul,
  ...vectorExp(X, K, R), ...tee(Y),
  ...get(SUM), ...add, ...set(SUM),
  ...get(PTR), ...get(Y), ...simd32.v128Store(0),
];

export const expShiftedFunction: WasmFunction = {
  name: 'expShifted',
  params: [I32, I32, F32, F32, I32],
  locals: [[1, I32], [7, V128]],
  body: [
    ...get(SHIFT), ...simd32.f32x4Splat, ...set(SHIFTS),
    ...get(SCALE), ...simd32.f32x4Splat, ...set(SCALES),
    ...get(PTR), ...get(COUNT), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...set(END),
    ...op.loop,
    ...step,
    ...get(PTR), ...op.i32Const(16), ...op.i32Add, ...tee(PTR), ...get(END), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
    ...get(SUM_OUT),
    ...get(SUM), ...simd32.f32x4ExtractLane(0), ...get(SUM), ...simd32.f32x4ExtractLane(1), ...simd32.f32Add,
    ...get(SUM), ...simd32.f32x4ExtractLane(2), ...get(SUM), ...simd32.f32x4ExtractLane(3), ...simd32.f32Add,
    ...simd32.f32Add,
    ...simd32.f32Store(0),
  ],
};

export type ExpShifted = (ptr: number, count: number, shift: number, scale: number, sumOut: number) => void;
