/**
 * The evaluator's transcendental functions, in float64, from +, −, ×, ÷, comparisons, Math.trunc
 * and exact bit access only. Math.exp/log/tanh are not used because ECMAScript leaves their
 * results "implementation-approximated": two engines, or two versions of one, may round them
 * differently, and a loss that differs in its last bit between two nodes splits the chain. The
 * basic operations, by contrast, are IEEE 754 correctly rounded everywhere, and JavaScript never
 * fuses a multiply and an add, so the same source gives the same bits on every engine.
 *
 * The algorithms and coefficients are those of fdlibm 5.3 (e_exp.c, s_expm1.c, e_log.c,
 * s_tanh.c; FreeBSD's variant for tiny tanh arguments), with errors below one ulp:
 *
 *   Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *   Developed at SunPro, a Sun Microsystems, Inc. business.
 *   Permission to use, copy, modify, and distribute this software is freely granted,
 *   provided that this notice is preserved.
 *
 * Where fdlibm tests the high word of x against a constant, this code compares |x| with the
 * double whose high word is that constant and whose low word is 0: for non-negative doubles the
 * order of the values is the order of the bit patterns, so the two tests agree exactly, and the
 * hot path (exp, tanh) needs no bit access. Where fdlibm adds k to the exponent field, this code
 * multiplies by 2^k from a table, which is exact for the same (normal) results.
 */

const bits = new DataView(new ArrayBuffer(8));

/** The double with the given high and low 32-bit words (as fdlibm writes its constants). */
export function fromWords(hi: number, lo: number): number {
  bits.setUint32(0, hi >>> 0, false);
  bits.setUint32(4, lo >>> 0, false);
  return bits.getFloat64(0, false);
}

function highWord(x: number): number {
  bits.setFloat64(0, x, false);
  return bits.getInt32(0, false);
}

function lowWord(x: number): number {
  bits.setFloat64(0, x, false);
  return bits.getUint32(4, false);
}

/** 2^k for k in [-1074, 1023], built by exact doublings and halvings. */
const POW2_MIN = -1074;
const POW2 = ((): Float64Array => {
  const table = new Float64Array(1023 - POW2_MIN + 1);
  let p = 1;
  for (let k = 0; k <= 1023; k++, p *= 2) table[k - POW2_MIN] = p;
  p = 1;
  for (let k = 0; k >= POW2_MIN; k--, p /= 2) table[k - POW2_MIN] = p;
  return table;
})();

/** y·2^k, exact whenever the result is a normal double (k from -1075 to 1024 as exp needs). */
function scaleByPow2(y: number, k: number): number {
  if (k > 1023) return y * 2 * POW2[1023 - POW2_MIN]!;
  if (k < -1021) return y * POW2[k + 1000 - POW2_MIN]! * POW2[-1000 - POW2_MIN]!;
  return y * POW2[k - POW2_MIN]!;
}

const LN2_HI = fromWords(0x3fe62e42, 0xfee00000); // 6.93147180369123816490e-01
const LN2_LO = fromWords(0x3dea39ef, 0x35793c76); // 1.90821492927058770002e-10
const INV_LN2 = fromWords(0x3ff71547, 0x652b82fe); // 1.44269504088896338700e+00
const O_THRESHOLD = fromWords(0x40862e42, 0xfefa39ef); // 7.09782712893383973096e+02
const U_THRESHOLD = fromWords(0xc0874910, 0xd52d3051); // -7.45133219101941108420e+02
const HALF_LN2_BOUND = fromWords(0x3fd62e43, 0); // |x| at or above: |x| > 0.5·ln2 in fdlibm's test
const THREE_HALVES_LN2_BOUND = fromWords(0x3ff0a2b2, 0); // |x| below: |x| < 1.5·ln2
const TWO_M28 = fromWords(0x3e300000, 0);
const TWO_M54 = fromWords(0x3c900000, 0);
const EXPM1_SATURATION = fromWords(0x4043687a, 0); // 56·ln2: below it, expm1 is -1 to the last bit

const P1 = fromWords(0x3fc55555, 0x5555553e); // 1.66666666666666019037e-01
const P2 = fromWords(0xbf66c16c, 0x16bebd93); // -2.77777777770155933842e-03
const P3 = fromWords(0x3f11566a, 0xaf25de2c); // 6.61375632143793436117e-05
const P4 = fromWords(0xbebbbd41, 0xc5d26bf1); // -1.65339022054652515390e-06
const P5 = fromWords(0x3e663769, 0x72bea4d0); // 4.13813679705723846039e-08


/** e^x, correctly rounded in all but rare cases (error < 1 ulp). */
export function exp(x: number): number {
  if (x !== x) return x + x;
  if (x > O_THRESHOLD) return Infinity;
  if (x < U_THRESHOLD) return 0;
  const ax = x < 0 ? -x : x;
  let hi = 0;
  let lo = 0;
  let k = 0;
  let r = x;
  if (ax >= HALF_LN2_BOUND) {
    // x = k·ln2 + r with |r| ≤ 0.5·ln2; r is carried as hi − lo for extra precision.
    if (ax < THREE_HALVES_LN2_BOUND) {
      if (x > 0) {
        hi = x - LN2_HI;
        lo = LN2_LO;
        k = 1;
      } else {
        hi = x + LN2_HI;
        lo = -LN2_LO;
        k = -1;
      }
    } else {
      k = Math.trunc(INV_LN2 * x + (x > 0 ? 0.5 : -0.5));
      hi = x - k * LN2_HI; // exact: k·LN2_HI has trailing zero bits to spare
      lo = k * LN2_LO;
    }
    r = hi - lo;
  } else if (ax < TWO_M28) {
    return 1 + x;
  }
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((r * c) / (c - 2) - r);
  const y = 1 - ((lo - (r * c) / (2 - c)) - hi);
  return scaleByPow2(y, k);
}

const Q1 = fromWords(0xbfa11111, 0x111110f4); // -3.33333333333331316428e-02
const Q2 = fromWords(0x3f5a01a0, 0x19fe5585); // 1.58730158725481460165e-03
const Q3 = fromWords(0xbf14ce19, 0x9eaadbb7); // -7.93650757867487942473e-05
const Q4 = fromWords(0x3ed0cfca, 0x86e65239); // 4.00821782732936239552e-06
const Q5 = fromWords(0xbe8afdb7, 0x6e09c32d); // -2.01099218183624371326e-07

/**
 * e^x − 1 without the cancellation of exp(x) − 1 near 0 (error < 1 ulp). Its argument reduction
 * (x = k·ln2 + hi − lo) repeats exp's on purpose: each function is a line-by-line transcription of
 * its fdlibm source (e_exp.c, s_expm1.c), which is how both are checked, and exp is the evaluator's
 * hottest call, where a shared helper would return three values per call.
 */
export function expm1(x: number): number {
  if (x !== x) return x + x;
  const ax = x < 0 ? -x : x;
  if (ax >= EXPM1_SATURATION) {
    if (x > O_THRESHOLD) return Infinity;
    if (x < 0) return -1;
  }
  let k = 0;
  let c = 0;
  let r = x;
  if (ax >= HALF_LN2_BOUND) {
    let hi: number;
    let lo: number;
    if (ax < THREE_HALVES_LN2_BOUND) {
      if (x > 0) {
        hi = x - LN2_HI;
        lo = LN2_LO;
        k = 1;
      } else {
        hi = x + LN2_HI;
        lo = -LN2_LO;
        k = -1;
      }
    } else {
      k = Math.trunc(INV_LN2 * x + (x > 0 ? 0.5 : -0.5));
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    r = hi - lo;
    c = hi - r - lo; // the rounding error of r, fed back below
  } else if (ax < TWO_M54) {
    return x;
  }
  const hfx = 0.5 * r;
  const hxs = r * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - r * t));
  if (k === 0) return r - (r * e - hxs);
  e = r * (e - c) - c;
  e -= hxs;
  if (k === -1) return 0.5 * (r - e) - 0.5;
  if (k === 1) {
    if (r < -0.25) return -2 * (e - (r + 0.5));
    return 1 + 2 * (r - e);
  }
  if (k <= -2 || k > 56) {
    // e^x is so far from 1 that subtracting 1 last loses nothing.
    return scaleByPow2(1 - (e - r), k) - 1;
  }
  if (k < 20) {
    const oneMinus2mk = 1 - POW2[-k - POW2_MIN]!; // exact for k < 53
    return scaleByPow2(oneMinus2mk - (e - r), k);
  }
  const y = r - (e + POW2[-k - POW2_MIN]!) + 1;
  return scaleByPow2(y, k);
}

const TWO54 = fromWords(0x43500000, 0); // 2^54, lifts subnormals into the normal range
const LG1 = fromWords(0x3fe55555, 0x55555593); // 6.666666666666735130e-01
const LG2 = fromWords(0x3fd99999, 0x9997fa04); // 3.999999999940941908e-01
const LG3 = fromWords(0x3fd24924, 0x94229359); // 2.857142874366239149e-01
const LG4 = fromWords(0x3fcc71c5, 0x1d8e78af); // 2.222219843214978396e-01
const LG5 = fromWords(0x3fc74664, 0x96cb03de); // 1.818357216161805012e-01
const LG6 = fromWords(0x3fc39a09, 0xd078c69f); // 1.531383769920937332e-01
const LG7 = fromWords(0x3fc2f112, 0xdf3e5244); // 1.479819860511658591e-01

/** Natural logarithm (error < 1 ulp); log(0) = −∞, log(x < 0) = NaN, log(+∞) = +∞. */
export function log(x: number): number {
  let hx = highWord(x);
  let lx = lowWord(x);
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    hx = highWord(x);
    lx = lowWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  // Normalise the mantissa m into [sqrt(2)/2, sqrt(2)) by choosing between m and m/2.
  const i = (hx + 0x95f64) & 0x100000;
  const m = fromWords(hx | (i ^ 0x3ff00000), lx);
  k += i >> 20;
  const f = m - 1;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20: a short series suffices.
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - R;
    return dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k === 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/** Hyperbolic tangent (error < 1 ulp), through expm1 so that small arguments keep their digits. */
export function tanh(x: number): number {
  if (x !== x) return x + x;
  const ax = x < 0 ? -x : x;
  let z: number;
  if (ax < 22) {
    if (ax < TWO_M28) return x; // tanh(x) = x − x³/3 + …, and x³/3 is below half an ulp
    if (ax >= 1) {
      z = 1 - 2 / (expm1(2 * ax) + 2);
    } else {
      const t = expm1(-2 * ax);
      z = -t / (t + 2);
    }
  } else {
    z = 1;
  }
  return x < 0 ? -z : z;
}
