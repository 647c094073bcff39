/**
 * The float32 SIMD instructions the fast engine's kernels use, encoded as trainer/reference's
 * wasm-builder encodes its float64 ones (same module writer, same prefix rules). Training is not
 * consensus, so the kernels may use the relaxed-SIMD fused multiply-add (f32x4.relaxed_madd),
 * which the engine rounds once or twice as the CPU does; where an engine lacks relaxed SIMD the
 * kernels are built again with a separate multiply and add.
 */
import type { Code } from '../reference/wasm-builder.ts';
import { uleb128 } from '../reference/wasm-builder.ts';

const SIMD_PREFIX = 0xfd;
const simd = (opcode: number, ...immediates: number[]): number[] => [SIMD_PREFIX, ...uleb128(opcode), ...immediates];
/** A memory operand: alignment hint (log2 bytes) and constant byte offset. */
const memarg = (alignLog2: number, offset: number): number[] => [alignLog2, ...uleb128(offset)];

export const simd32 = {
  i32Sub: [0x6b],
  i32Ne: [0x47],
  i32GtU: [0x4b],
  i32GtS: [0x4a],
  i32Eq: [0x46],
  i32LtS: [0x48],
  /** Of a, b and a condition on the stack: a where the condition is nonzero, else b. */
  select: [0x1b],
  i32Eqz: [0x45],
  i32And: [0x71],
  f32Load: (offset: number): number[] => [0x2a, ...memarg(2, offset)],
  f32Store: (offset: number): number[] => [0x38, ...memarg(2, offset)],
  v128Load: (offset: number): number[] => simd(0x00, ...memarg(4, offset)),
  v128Store: (offset: number): number[] => simd(0x0b, ...memarg(4, offset)),
  /** Loads one f32 and puts it in all four lanes. */
  v128Load32Splat: (offset: number): number[] => simd(0x09, ...memarg(2, offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: number): number[] => simd(0x1f, lane),
  f32x4Nearest: simd(0x6a),
  i32x4TruncSatF32x4S: simd(0xf8),
  i32x4Add: simd(0xae),
  i32x4Splat: simd(0x11),
  i32x4LtS: simd(0x39),
  v128And: simd(0x4e),
  v128Bitselect: simd(0x52),
  f32Max: [0x97],
  i32x4Shl: simd(0xab),
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32ConvertI32U: [0xb3],
  f32Const: (value: number): number[] => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4Sqrt: simd(0xe3),
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
  /** b < a ? b : a, one instruction on x86-64 (f32x4.min's NaN and −0 rules take several). */
  f32x4Pmin: simd(0xea),
  /** a < b ? b : a, likewise. */
  f32x4Pmax: simd(0xeb),
  /** a·b + c, fused or not as the CPU chooses (relaxed SIMD). Stack: a, b, c. */
  f32x4RelaxedMadd: simd(0x105),
} as const;

/**
 * a·b + c with a on the stack: fused (relaxed SIMD, one rounding where the CPU has FMA) or a
 * multiply and an add.
 */
export function multiplyAdd(fused: boolean, b: Code, c: Code): Code {
  return fused ? [...b, ...c, ...simd32.f32x4RelaxedMadd] : [...b, ...simd32.f32x4Mul, ...c, ...simd32.f32x4Add];
}

/** i8x16.shuffle of two vectors on the stack, taking the float32 lanes `lanes` (0–3 first, 4–7 second). */
export function f32x4Shuffle(lanes: readonly [number, number, number, number]): number[] {
  return simd(0x0d, ...lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]));
}

/**
 * Reduces the vector in local `v` across its lanes with `combine` (f32x4 add, pmax, …), leaving
 * the result in all four lanes: two shuffles instead of four lane extractions.
 */
export function acrossLanes(v: number, combine: Code): Code {
  const get = (local: number): number[] => [0x20, ...uleb128(local)];
  const set = (local: number): number[] => [0x21, ...uleb128(local)];
  return [
    ...get(v), ...get(v), ...get(v), ...f32x4Shuffle([2, 3, 0, 1]), ...combine, ...set(v),
    ...get(v), ...get(v), ...get(v), ...f32x4Shuffle([1, 0, 3, 2]), ...combine,
  ];
}

/** v128.const with the same float32 in all four lanes. */
export function f32x4Const(value: number): number[] {
  const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  return simd(0x0c, ...bytes);
}

/** v128.const with the same int32 in all four lanes. */
export function i32x4Const(value: number): number[] {
  const bytes = new Uint8Array(new Int32Array([value, value, value, value]).buffer);
  return simd(0x0c, ...bytes);
}

export const F32 = 0x7d;

/** v128.const with four given int32 lanes. */
export function i32x4Lanes(lanes: readonly [number, number, number, number]): number[] {
  return simd(0x0c, ...new Uint8Array(new Int32Array(lanes).buffer));
}
