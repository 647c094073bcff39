/**
 * The evaluator's exponential in float32: every operation is an IEEE 754 float32 operation
 * (here `Math.fround` of the float64 result, which is the correctly rounded float32 result for
 * +, −, × and ÷ of float32 operands, since float64 carries more than twice float32's precision),
 * so WebAssembly's f32x4 lanes (exp32-lanes.ts) give the same bits.
 *
 * The algorithm is FreeBSD's expf (msun e_expf.c: Cody–Waite reduction with ln2 split in two,
 * a degree-2 minimax polynomial for R(r²) and exp(r) = 1 + r + r·c/(2 − c)), errors below one
 * float32 ulp, written as one straight sequence so that four lanes can run it side by side:
 *
 *   k  = round(x · 1/ln2), ties to even, by adding and subtracting 1.5·2²³
 *   hi = x − k·LN2_HI  (exact: LN2_HI has 9 trailing zero bits and |k| ≤ 127),  lo = k·LN2_LO
 *   r  = hi − lo,  t = r²,  c = r − t·(P1 + t·P2)
 *   y  = 1 − ((lo − (r·c)/(2 − c)) − hi)
 *   exp32(x) = y · 2^k   (one multiply, which rounds a subnormal result once)
 *
 * The range is the evaluator's own definition: +∞ for x > 88 (e^88 ≈ 1.65·10³⁸; float32 reaches
 * 3.4·10³⁸ at 88.72) and +0 for x < −87 (e^−87 ≈ 1.6·10⁻³⁸, the bottom of the normal range), so
 * that k stays in [−126, 127] and 2^k is one normal float32. The evaluator exponentiates only
 * shifted scores (≤ 0, summed to at least 1) and GELU's argument, where neither edge can move a
 * loss. A NaN argument gives a NaN, its bits not promised.
 *
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunPro, a Sun
 * Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software is
 * freely granted, provided that this notice is preserved. (Float conversion by Ian Lance Taylor,
 * Cygnus Support.)
 */
const f = Math.fround;

/** Every constant is a float32 (the bit patterns are msun's). */
export const EXP32_CONSTANTS = {
  /** Above: +∞. */
  HIGH: 88,
  /** Below: +0. */
  LOW: -87,
  INV_LN2: f(1.4426950216e+0), // 0x3fb8aa3b
  ROUNDING: 12582912, // 1.5·2²³
  LN2_HI: f(6.9314575195e-1), // 0x3f317200
  LN2_LO: f(1.4286067653e-6), // 0x35bfbe8e
  P1: f(1.6666625440e-1), // 0x3e2aaa8f
  P2: f(-2.7667332906e-3), // 0xbb35521
} as const;

const { HIGH, LOW, INV_LN2, ROUNDING, LN2_HI, LN2_LO, P1, P2 } = EXP32_CONSTANTS;

/** 2^k for k in [−126, 127]: exact float32 (and float64) powers of two. */
const POW2 = Float64Array.from({ length: 254 }, (_, i) => 2 ** (i - 126));

/** e^x for a float32 x, as a float32 (see the file's comment for the exact sequence). */
export function exp32(x: number): number {
  if (x > HIGH) return Infinity;
  if (x < LOW) return 0;
  const k = f(f(f(x * INV_LN2) + ROUNDING) - ROUNDING);
  const hi = f(x - f(k * LN2_HI));
  const lo = f(k * LN2_LO);
  const r = f(hi - lo);
  const t = f(r * r);
  const c = f(r - f(t * f(P1 + f(t * P2))));
  const y = f(1 - f(f(lo - f(f(r * c) / f(2 - c))) - hi));
  // NaN passed both tests above and made every value NaN; k indexes nothing then.
  return k === k ? f(y * POW2[k + 126]!) : y;
}
