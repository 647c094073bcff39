/**
 * exp32.ts's exponential on the four lanes of a WebAssembly f32x4 register, for the elementwise
 * kernels (elementwise-kernel.ts). Each lane performs exactly the float32 operations exp32
 * performs for its argument, in its order, so the bits are the same; exp32's two range tests
 * become selects after the sequence, and 2^k is built from its bits ((k + 127) << 23 is the
 * exponent field of 2^k for k in [−126, 127]) instead of read from a table. Lanes beyond the range
 * compute garbage (k may be ±∞ or NaN there) that the selects replace with +∞ or +0; a NaN lane
 * passes both selects and stays NaN (k is NaN, which converts to 0, so the scale is 1).
 */
import type { Code } from './wasm-builder.ts';
import { op } from './wasm-builder.ts';
import { EXP32_CONSTANTS as E } from './exp32.ts';

/** The v128 locals one exponential uses: the argument, then scratch (overwritten). */
export interface Exp32Locals {
  readonly x: number;
  readonly k: number;
  readonly hi: number;
  readonly lo: number;
  readonly r: number;
  readonly t: number;
  readonly c: number;
  readonly y: number;
}

export const EXP32_LOCAL_COUNT = 8;

/** Locals first, first + 1, … in Exp32Locals' order. */
export function exp32Locals(first: number): Exp32Locals {
  const [x, k, hi, lo, r, t, c, y] = Array.from({ length: EXP32_LOCAL_COUNT }, (_, i) => first + i) as [
    number, number, number, number, number, number, number, number,
  ];
  return { x, k, hi, lo, r, t, c, y };
}

const { localGet: get, localSet: set } = op;

/**
 * Vector constants held in locals set once before a kernel's loop: a v128.const inside the loop
 * is materialised again at every use.
 */
export class ConstantLocals {
  /** Local index by key: 'f' or 'i' and the value's bits as text. */
  private readonly indexes = new Map<string, { index: number; code: Code }>();
  private readonly first: number;
  /** The locals are first, first + 1, …, as many as `count` once the code is built. */
  constructor(first: number) {
    this.first = first;
  }
  /** Code that pushes value (rounded to float32) in all four lanes. */
  f32(value: number): Code {
    return this.local(`f${new Uint32Array(new Float32Array([value]).buffer)[0]}`, () => op.f32x4Const(value));
  }
  /** Code that pushes the integer value in all four i32 lanes. */
  i32(value: number): Code {
    return this.local(`i${value | 0}`, () => [...op.i32Const(value), ...op.i32x4Splat]);
  }
  get count(): number {
    return this.indexes.size;
  }
  /** Sets every local used so far; runs before the loop. */
  init(): Code {
    return [...this.indexes.values()].flatMap(({ index, code }) => [...code, ...set(index)]);
  }
  private local(key: string, code: () => Code): Code {
    let entry = this.indexes.get(key);
    if (entry === undefined) {
      entry = { index: this.first + this.indexes.size, code: code() };
      this.indexes.set(key, entry);
    }
    return get(entry.index);
  }
}

/** exp32 of the lanes of local x into local y, as statements that each leave the stack as found. */
function exp32Steps(l: Exp32Locals, constants: ConstantLocals): Code[] {
  const c = (value: number): Code => constants.f32(value);
  return [
    [...get(l.x), ...c(E.INV_LN2), ...op.f32x4Mul, ...c(E.ROUNDING), ...op.f32x4Add, ...c(E.ROUNDING), ...op.f32x4Sub, ...set(l.k)],
    [...get(l.x), ...get(l.k), ...c(E.LN2_HI), ...op.f32x4Mul, ...op.f32x4Sub, ...set(l.hi)],
    [...get(l.k), ...c(E.LN2_LO), ...op.f32x4Mul, ...set(l.lo)],
    [...get(l.hi), ...get(l.lo), ...op.f32x4Sub, ...set(l.r)],
    [...get(l.r), ...get(l.r), ...op.f32x4Mul, ...set(l.t)],
    // c = r − t·(P1 + t·P2)
    [
      ...get(l.r), ...get(l.t), ...c(E.P1), ...get(l.t), ...c(E.P2), ...op.f32x4Mul, ...op.f32x4Add, ...op.f32x4Mul,
      ...op.f32x4Sub, ...set(l.c),
    ],
    // y = 1 − ((lo − (r·c)/(2 − c)) − hi)
    [
      ...c(1),
      ...get(l.lo), ...get(l.r), ...get(l.c), ...op.f32x4Mul, ...c(2), ...get(l.c), ...op.f32x4Sub, ...op.f32x4Div, ...op.f32x4Sub,
      ...get(l.hi), ...op.f32x4Sub,
      ...op.f32x4Sub, ...set(l.y),
    ],
    // y·2^k, 2^k from its bits.
    [
      ...get(l.y),
      ...get(l.k), ...op.i32x4TruncSatF32x4S, ...constants.i32(127), ...op.i32x4Add, ...op.i32Const(23), ...op.i32x4Shl,
      ...op.f32x4Mul, ...set(l.y),
    ],
    // +∞ above HIGH, +0 below LOW.
    [
      ...c(Infinity), ...get(l.y), ...get(l.x), ...c(E.HIGH), ...op.f32x4Gt, ...op.v128Bitselect,
      ...get(l.x), ...c(E.LOW), ...op.f32x4Lt, ...op.v128AndNot, ...set(l.y),
    ],
  ];
}

/** The statements of several lists in turn (the first of each, then the second, …). */
export function interleave(lists: readonly (readonly Code[])[]): Code {
  const out: number[] = [];
  const length = Math.max(0, ...lists.map((list) => list.length));
  for (let i = 0; i < length; i++) {
    for (const list of lists) if (i < list.length) out.push(...list[i]!);
  }
  return out;
}

/**
 * exp32 of the lanes of local x into local y for each locals set of `group`, their statements
 * interleaved: one exponential is a chain of dependent operations, and independent chains side by
 * side keep more of the processor busy than one after the other. Each lane's operations are unchanged.
 */
export function exp32Lanes(group: readonly Exp32Locals[], constants: ConstantLocals): Code {
  return interleave(group.map((l) => exp32Steps(l, constants)));
}
