/**
 * math.ts's exp on both lanes of a WebAssembly f64x2 register, for the elementwise kernels
 * (elementwise-kernel.ts). Each lane performs exactly the float operations the scalar exp
 * performs for its argument, so the bits are the same; only the branches become selects.
 *
 * The scalar function has four arithmetic paths: 1 + x for tiny |x|, k = 0 for |x| < ln2/2,
 * k = ±1 for |x| < 1.5·ln2 and k = trunc(x/ln2 ± 1/2) beyond. One sequence serves the last three,
 * with k chosen per lane:
 *
 * - k = ±1: hi = x − (±1)·LN2_HI is x ∓ LN2_HI exactly (±1·c is exact, and IEEE defines a − b as
 *   a + (−b)), and lo = (±1)·LN2_LO is ±LN2_LO.
 * - k = 0: hi = x − 0·LN2_HI = x, lo = +0 and r = x, so y = 1 − ((0 − q) − x) with
 *   q = (r·c)/(2 − c), where the scalar code computes 1 − ((r·c)/(c − 2) − r). The two agree:
 *   c − 2 = −(2 − c) and a/(−b) = −(a/b) exactly, and 0 − q = −q because q ≠ 0 here
 *   (|x| ≥ 2^−28 makes r·c ≥ 2^−57). The final ·2^0 is exact.
 *
 * Scaling by 2^k is y·A·B as scaleByPow2 does it: A = 2^k, B = 1 for normal results; A = 2,
 * B = 2^1023 for k = 1024; A = 2^(k+1000), B = 2^−1000 for k < −1021 (subnormal results, rounded
 * twice exactly like the scalar code). A is built from its bits: (k' + 2^52 + 1023) holds k' + 1023
 * in its low mantissa bits, and shifting the pattern left by 52 makes that the exponent field.
 * Then the special arguments replace the lanes they apply to: +∞ above the overflow threshold,
 * +0 below the underflow one, 1 + x for |x| < 2^−28. A NaN argument gives a NaN (all its tests
 * are false and its arithmetic is NaN), its bits not promised, as everywhere in the evaluator.
 * When both lanes are ordinary arguments, a branch skips the rare cases (see FAST_LOW).
 */
import type { Code } from './wasm-builder.ts';
import { op } from './wasm-builder.ts';
import { EXP_CONSTANTS as E } from './math.ts';

/** The v128 locals the sequence uses: the argument, then scratch (its values are overwritten). */
export interface ExpLocals {
  readonly x: number;
  readonly ax: number;
  readonly positive: number;
  readonly k: number;
  readonly hi: number;
  readonly lo: number;
  readonly r: number;
  readonly t: number;
  readonly c: number;
  readonly big: number;
  readonly small: number;
  readonly y: number;
}

export const EXP_LOCAL_COUNT = 12;

/** Locals first, first + 1, … in ExpLocals' order. */
export function expLocals(first: number): ExpLocals {
  const [x, ax, positive, k, hi, lo, r, t, c, big, small, y] = Array.from({ length: EXP_LOCAL_COUNT }, (_, i) => first + i) as [
    number, number, number, number, number, number, number, number, number, number, number, number,
  ];
  return { x, ax, positive, k, hi, lo, r, t, c, big, small, y };
}

const { localGet: get, localSet: set } = op;

/**
 * Where both lanes lie in (FAST_LOW, FAST_HIGH) and neither is below 2^−28 in magnitude, k is in
 * [−1020, 1023], no special case applies and the result is y·2^k alone (one branch, well
 * predicted, instead of the selects). NaN fails the test and takes the full sequence.
 */
const FAST_LOW = -707;
const FAST_HIGH = 709;

/**
 * Constants held in locals set once before a kernel's loop: a v128.const inside the loop is
 * materialised again at every use, which cost a third of exp's time.
 */
export class ConstantLocals {
  /** Local index by value (no constant here is −0, which a Map would merge with +0). */
  private readonly indexes = new Map<number, number>();
  private readonly first: number;
  /** The locals are first, first + 1, …, as many as `count` once the code is built. */
  constructor(first: number) {
    this.first = first;
  }
  /** Code that pushes value in both lanes. */
  get(value: number): Code {
    let index = this.indexes.get(value);
    if (index === undefined) {
      index = this.first + this.indexes.size;
      this.indexes.set(value, index);
    }
    return get(index);
  }
  get count(): number {
    return this.indexes.size;
  }
  /** Sets every local used so far; runs before the loop. */
  init(): Code {
    return [...this.indexes].flatMap(([value, index]) => [...op.f64x2Const(value), ...set(index)]);
  }
}

/**
 * exp of both lanes of local x as its parts, each a statement that leaves the stack as it found
 * it, so that two sequences can be interleaved (expPairLanes):
 * - steps: k, hi, lo, r, t, c and y = 1 − ((lo − (r·c)/(2 − c)) − hi), into their locals;
 * - ordinary: pushes a mask, all ones in the lanes where y·2^k alone is the result (FAST_LOW);
 * - fast: y = y·2^k, for lanes that are ordinary;
 * - full: y = the result for any lane (scaling by A·B, then the special arguments).
 */
interface ExpParts {
  readonly steps: readonly Code[];
  readonly ordinary: Code;
  readonly fast: readonly Code[];
  readonly full: readonly Code[];
}

function expParts(l: ExpLocals, constants: ConstantLocals): ExpParts {
  const splat = (value: number): Code => constants.get(value);
  return {
    steps: [
      [...get(l.x), ...op.f64x2Abs, ...set(l.ax)],
      [...get(l.x), ...splat(0), ...op.f64x2Gt, ...set(l.positive)],
      // k: ±1 below 1.5·ln2, trunc(INV_LN2·x ± 0.5) above, 0 below ln2/2.
      [
        ...splat(1), ...splat(-1), ...get(l.positive), ...op.v128Bitselect,
        ...splat(E.INV_LN2), ...get(l.x), ...op.f64x2Mul,
        ...splat(0.5), ...splat(-0.5), ...get(l.positive), ...op.v128Bitselect,
        ...op.f64x2Add, ...op.f64x2Trunc,
        ...get(l.ax), ...splat(E.THREE_HALVES_LN2_BOUND), ...op.f64x2Lt,
        ...op.v128Bitselect,
        ...get(l.ax), ...splat(E.HALF_LN2_BOUND), ...op.f64x2Ge,
        ...op.v128And, ...set(l.k),
      ],
      // hi = x − k·LN2_HI, lo = k·LN2_LO, r = hi − lo, t = r².
      [...get(l.x), ...get(l.k), ...splat(E.LN2_HI), ...op.f64x2Mul, ...op.f64x2Sub, ...set(l.hi)],
      [...get(l.k), ...splat(E.LN2_LO), ...op.f64x2Mul, ...set(l.lo)],
      [...get(l.hi), ...get(l.lo), ...op.f64x2Sub, ...set(l.r)],
      [...get(l.r), ...get(l.r), ...op.f64x2Mul, ...set(l.t)],
      // c = r − t·(P1 + t·(P2 + t·(P3 + t·(P4 + t·P5)))), Horner from the inside out.
      [...splat(E.P4), ...get(l.t), ...splat(E.P5), ...op.f64x2Mul, ...op.f64x2Add, ...set(l.c)],
      [...splat(E.P3), ...get(l.t), ...get(l.c), ...op.f64x2Mul, ...op.f64x2Add, ...set(l.c)],
      [...splat(E.P2), ...get(l.t), ...get(l.c), ...op.f64x2Mul, ...op.f64x2Add, ...set(l.c)],
      [...splat(E.P1), ...get(l.t), ...get(l.c), ...op.f64x2Mul, ...op.f64x2Add, ...set(l.c)],
      [...get(l.r), ...get(l.t), ...get(l.c), ...op.f64x2Mul, ...op.f64x2Sub, ...set(l.c)],
      // y = 1 − ((lo − (r·c)/(2 − c)) − hi)
      [
        ...splat(1),
        ...get(l.lo), ...get(l.r), ...get(l.c), ...op.f64x2Mul, ...splat(2), ...get(l.c), ...op.f64x2Sub, ...op.f64x2Div, ...op.f64x2Sub,
        ...get(l.hi), ...op.f64x2Sub,
        ...op.f64x2Sub, ...set(l.y),
      ],
    ],
    ordinary: [
      ...get(l.x), ...splat(FAST_LOW), ...op.f64x2Gt, ...get(l.x), ...splat(FAST_HIGH), ...op.f64x2Lt, ...op.v128And,
      ...get(l.ax), ...splat(E.TWO_M28), ...op.f64x2Ge, ...op.v128And,
    ],
    fast: [[...get(l.y), ...get(l.k), ...splat(2 ** 52 + 1023), ...op.f64x2Add, ...op.i32Const(52), ...op.i64x2Shl, ...op.f64x2Mul, ...set(l.y)]],
    full: [
      [...get(l.k), ...splat(1023), ...op.f64x2Gt, ...set(l.big)],
      [...get(l.k), ...splat(-1021), ...op.f64x2Lt, ...set(l.small)],
      [
        ...get(l.y),
        // ·A·B, with k' = k − (1023 if k > 1023, −1000 if k < −1021, else 0).
        ...get(l.k),
        ...splat(1023), ...splat(-1000), ...splat(0), ...get(l.small), ...op.v128Bitselect, ...get(l.big), ...op.v128Bitselect,
        ...op.f64x2Sub,
        ...splat(2 ** 52 + 1023), ...op.f64x2Add, ...op.i32Const(52), ...op.i64x2Shl,
        ...op.f64x2Mul,
        ...splat(2 ** 1023), ...splat(2 ** -1000), ...splat(1), ...get(l.small), ...op.v128Bitselect, ...get(l.big), ...op.v128Bitselect,
        ...op.f64x2Mul, ...set(l.y),
      ],
      // The special arguments, each replacing its own lanes.
      [
        ...splat(Infinity), ...get(l.y), ...get(l.x), ...splat(E.O_THRESHOLD), ...op.f64x2Gt, ...op.v128Bitselect,
        ...get(l.x), ...splat(E.U_THRESHOLD), ...op.f64x2Lt, ...op.v128AndNot, ...set(l.y),
      ],
      [...splat(1), ...get(l.x), ...op.f64x2Add, ...get(l.y), ...get(l.ax), ...splat(E.TWO_M28), ...op.f64x2Lt, ...op.v128Bitselect, ...set(l.y)],
    ],
  };
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
 * exp of both lanes of local x into local y, for each locals set of `group` at once, their
 * statements interleaved: one exp is a long chain of dependent operations, and the processor's
 * out-of-order window holds about one, so independent chains side by side keep more of it busy
 * than one after the other. Constants come from `constants`. Each lane's operations are unchanged.
 * When every lane of the group is an ordinary argument, a branch skips the rare cases (see
 * FAST_LOW); otherwise all take the full sequence, which gives ordinary lanes the same bits
 * (B = 1 and no special case applies), so the branch only saves time.
 */
export function expLanes(group: readonly ExpLocals[], constants: ConstantLocals): Code {
  const parts = group.map((l) => expParts(l, constants));
  return [
    ...interleave(parts.map((p) => p.steps)),
    ...parts.flatMap((p, i) => (i === 0 ? p.ordinary : [...p.ordinary, ...op.v128And])), ...op.i64x2AllTrue,
    ...op.if, ...interleave(parts.map((p) => p.fast)), ...op.else, ...interleave(parts.map((p) => p.full)), ...op.end,
  ];
}
