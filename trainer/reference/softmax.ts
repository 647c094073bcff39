/**
 * The exponentials of softmax and cross-entropy: e_i = exp32(v_i − shift) in float32 (the
 * difference rounded to float32 first), and their sum in float64, defined so that four SIMD lanes
 * can add side by side: for the first 4·⌊count/4⌋ values, partial sums s_m = Σ e_i over i ≡ m
 * (mod 4), each from 0 in index order; then Z = (s0 + s1) + (s2 + s3), and the last count mod 4
 * values are added to Z in index order. The model's backing runs it in WebAssembly
 * (elementwise-kernel.ts), bit for bit this.
 */
import { exp32 } from './exp32.ts';

/**
 * Z as above over values[start … start + count − 1]; with store, each values[i] becomes e_i.
 * shift is a float32.
 */
export type ExpShiftedFn = (values: Float32Array, start: number, count: number, shift: number, store: boolean) => number;

export const expShiftedScalar: ExpShiftedFn = (values, start, count, shift, store) => {
  const whole = start + (count & ~3);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  for (; i < whole; i += 4) {
    const e0 = exp32(Math.fround(values[i]! - shift));
    const e1 = exp32(Math.fround(values[i + 1]! - shift));
    const e2 = exp32(Math.fround(values[i + 2]! - shift));
    const e3 = exp32(Math.fround(values[i + 3]! - shift));
    if (store) {
      values[i] = e0;
      values[i + 1] = e1;
      values[i + 2] = e2;
      values[i + 3] = e3;
    }
    s0 += e0;
    s1 += e1;
    s2 += e2;
    s3 += e3;
  }
  let total = s0 + s1 + (s2 + s3);
  for (const end = start + count; i < end; i++) {
    const e = exp32(Math.fround(values[i]! - shift));
    if (store) values[i] = e;
    total += e;
  }
  return total;
};
