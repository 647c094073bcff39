/**
 * The softmax's exponentials as a WebAssembly SIMD kernel, four at a time: p ← e^{(p − shift)·scale}
 * over a run of floats, and their sum. e^x is Cephes' expf (x = k·ln2 + r, a degree-7 polynomial
 * in r, 2^k built in the exponent bits, k rounded by adding 1.5·2²³): against Math.exp of the same float32 argument, within
 * 4e-6 relative, which is the rounding of (p − shift)·scale to float32 for arguments near −87.
 * x is clamped at −87, where e^x is 1.6e-38, so the caller zeroes what must be exactly zero
 * (masked attention positions).
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import type { ConstantTable } from './kernel-constants.ts';
import { loadConstants } from './kernel-constants.ts';
import { F32, multiplyAdd, simd32 } from './wasm-simd.ts';

const LOWEST = -87;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const POLYNOMIAL = [5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3, 1.9875691500e-4];
/**
 * 1.5·2²³: adding it rounds a float32 below 2²² in magnitude to the nearest integer k (ties to
 * even, as f32x4.nearest) and leaves k in the low bits of the sum, so the sum's bits minus this
 * constant's bits are k as an int32 (no float-to-int conversion, which takes V8 eight instructions).
 */
const ROUNDING = 12582912;
const ROUNDING_BITS = 0x4b400000;
const EXPONENT_BIAS = 127;

const { localGet: get, localSet: set, localTee: tee } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

/** The v128 locals holding exp's constants, loaded once before a kernel's loop. */
export interface ExpConstants {
  readonly lowest: number;
  readonly log2e: number;
  readonly rounding: number;
  readonly negLn2Hi: number;
  readonly negLn2Lo: number;
  readonly one: number;
  readonly biasBits: number;
  readonly polynomial: readonly number[];
}

export const EXP_CONSTANT_COUNT = 7 + POLYNOMIAL.length;

/** exp's constants in the locals first … first + EXP_CONSTANT_COUNT − 1. */
export function expConstants(first: number): ExpConstants {
  return {
    lowest: first, log2e: first + 1, rounding: first + 2, negLn2Hi: first + 3, negLn2Lo: first + 4, one: first + 5, biasBits: first + 6,
    polynomial: POLYNOMIAL.map((_, i) => first + 7 + i),
  };
}

/** Code loading exp's constants from the table into their locals. */
export function loadExpConstants(c: ExpConstants, table: ConstantTable): Code {
  return loadConstants([
    [c.lowest, table.f32(LOWEST)], [c.log2e, table.f32(Math.LOG2E)], [c.rounding, table.f32(ROUNDING)],
    [c.negLn2Hi, table.f32(-LN2_HI)], [c.negLn2Lo, table.f32(-LN2_LO)], [c.one, table.f32(1)],
    [c.biasBits, table.i32(EXPONENT_BIAS - ROUNDING_BITS)],
    ...POLYNOMIAL.map((p, i) => [c.polynomial[i]!, table.f32(p)] as const),
  ]);
}

/**
 * Consumes a vector from the stack and leaves e^x of each lane, using three scratch v128 locals
 * (x, then k + 1.5·2²³, then r).
 */
export function vectorExp(fused: boolean, c: ExpConstants, x: number, k: number, r: number): Code {
  return [
    ...get(c.lowest), ...simd32.f32x4Pmax, ...set(x),
    ...get(x), ...multiplyAdd(fused, get(c.log2e), get(c.rounding)), ...set(k),
    // r = x − k·ln2 (in two parts, Cody and Waite's)
    ...get(k), ...get(c.rounding), ...sub, ...tee(r), ...multiplyAdd(fused, get(c.negLn2Hi), get(x)),
    ...get(r), ...get(c.negLn2Lo), ...mul, ...add, ...set(r),
    ...polynomial(fused, c, r),
    // 2^k: (k + 127) << 23 read as a float.
    ...get(k), ...get(c.biasBits), ...simd32.i32x4Add, ...op.i32Const(23), ...simd32.i32x4Shl,
    ...mul,
  ];
}

/** p(r)·r² + r + 1 on the stack, p by Horner's rule. */
function polynomial(fused: boolean, c: ExpConstants, r: number): Code {
  const last = c.polynomial.length - 1;
  const code: number[] = [...get(c.polynomial[last]!)];
  for (let i = last - 1; i >= 0; i--) code.push(...multiplyAdd(fused, get(r), get(c.polynomial[i]!)));
  return [...code, ...get(r), ...mul, ...multiplyAdd(fused, get(r), get(r)), ...get(c.one), ...add];
}

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
const CONSTANTS = expConstants(13);

function step(fused: boolean): Code {
  return [
    ...get(PTR), ...simd32.v128Load(0), ...get(SHIFTS), ...sub, ...get(SCALES), ...mul,
    ...vectorExp(fused, CONSTANTS, X, K, R), ...tee(Y),
    ...get(SUM), ...add, ...set(SUM),
    ...get(PTR), ...get(Y), ...simd32.v128Store(0),
  ];
}

export function expShiftedFunction(fused: boolean, table: ConstantTable): WasmFunction {
  return {
    name: 'expShifted',
    params: [I32, I32, F32, F32, I32],
    locals: [[1, I32], [7 + EXP_CONSTANT_COUNT, V128]],
    body: [
      ...loadExpConstants(CONSTANTS, table),
      ...get(SHIFT), ...simd32.f32x4Splat, ...set(SHIFTS),
      ...get(SCALE), ...simd32.f32x4Splat, ...set(SCALES),
      ...get(PTR), ...get(COUNT), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...set(END),
      ...op.loop,
      ...step(fused),
      ...get(PTR), ...op.i32Const(16), ...op.i32Add, ...tee(PTR), ...get(END), ...op.i32LtU, ...op.brIf(0),
      ...op.end,
      ...get(SUM_OUT),
      ...get(SUM), ...simd32.f32x4ExtractLane(0), ...get(SUM), ...simd32.f32x4ExtractLane(1), ...simd32.f32Add,
      ...get(SUM), ...simd32.f32x4ExtractLane(2), ...get(SUM), ...simd32.f32x4ExtractLane(3), ...simd32.f32Add,
      ...simd32.f32Add,
      ...simd32.f32Store(0),
    ],
  };
}

export type ExpShifted = (ptr: number, count: number, shift: number, scale: number, sumOut: number) => void;
