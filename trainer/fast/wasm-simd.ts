/**
 * The float32 SIMD instructions the fast engine's kernels use, encoded as trainer/reference's
 * wasm-builder encodes its float64 ones (same module writer, same prefix rules). Training is not
 * consensus, so the kernels may use the relaxed-SIMD fused multiply-add (f32x4.relaxed_madd),
 * which the engine rounds once or twice as the CPU does; where an engine lacks relaxed SIMD the
 * kernels are built again with a separate multiply and add.
 */
import type { Code } from '../reference/wasm-builder.ts';
import { op, uleb128 } from '../reference/wasm-builder.ts';

const SIMD_PREFIX = 0xfd;
const simd = (opcode: number, ...immediates: number[]): number[] => [SIMD_PREFIX, ...uleb128(opcode), ...immediates];
/** A memory operand: alignment hint (log2 bytes) and constant byte offset. */
const memarg = (alignLog2: number, offset: number): number[] => [alignLog2, ...uleb128(offset)];

export const simd32 = {
  // The encodings the reference evaluator's kernels use too, from its module writer.
  i32Sub: op.i32Sub,
  select: op.select,
  i32Eqz: op.i32Eqz,
  i32And: op.i32And,
  f32Load: op.f32Load,
  f32Store: op.f32Store,
  v128Load32Splat: op.v128Load32Splat,
  f32x4Splat: op.f32x4Splat,
  i32x4TruncSatF32x4S: op.i32x4TruncSatF32x4S,
  i32x4Add: op.i32x4Add,
  i32x4Splat: op.i32x4Splat,
  i32x4LtS: op.i32x4LtS,
  v128And: op.v128And,
  v128Bitselect: op.v128Bitselect,
  i32x4Shl: op.i32x4Shl,
  f32x4Add: op.f32x4Add,
  f32x4Sub: op.f32x4Sub,
  f32x4Mul: op.f32x4Mul,
  f32x4Div: op.f32x4Div,
  f32x4Pmax: op.f32x4Pmax,
  // The fast engine's own.
  i32Ne: [0x47],
  i32GtU: [0x4b],
  i32GtS: [0x4a],
  i32Eq: [0x46],
  i32LtS: [0x48],
  v128Load: (offset: number): number[] => simd(0x00, ...memarg(4, offset)),
  v128Store: (offset: number): number[] => simd(0x0b, ...memarg(4, offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  f32x4ExtractLane: (lane: number): number[] => simd(0x1f, lane),
  f32x4Nearest: simd(0x6a),
  f32Max: [0x97],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32ConvertI32U: [0xb3],
  f32Const: (value: number): number[] => [0x43, ...new Uint8Array(new Float32Array([value]).buffer)],
  f32x4Sqrt: simd(0xe3),
  f32x4Min: simd(0xe8),
  f32x4Max: simd(0xe9),
  /** b < a ? b : a, one instruction on x86-64 (f32x4.min's NaN and −0 rules take several). */
  f32x4Pmin: simd(0xea),
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
