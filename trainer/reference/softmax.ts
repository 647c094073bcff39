/**
 * The exponentials of softmax, as loops of their own: V8 inlines exp into a small loop like
 * these, where in a larger caller it may not, and an exp left as a call returns each float64
 * boxed on the heap (tens of thousands of allocations per sequence). The arithmetic is the
 * callers': e = exp(v − shift), summed from 0 in index order.
 */
import { exp } from './math.ts';

/** values[i] = exp(values[i] − shift) for i in [start, start + count); returns their sum. */
export function exponentiateShifted(values: Float64Array, start: number, count: number, shift: number): number {
  let total = 0;
  for (let i = start, end = start + count; i < end; i++) {
    const e = exp(values[i]! - shift);
    values[i] = e;
    total += e;
  }
  return total;
}

/**
 * Σ exp(values[i] − shift) for i in [start, start + count), in order, from 0; with store, each
 * values[i] becomes its exponential. The model's backing runs it in WebAssembly
 * (elementwise-kernel.ts), bit for bit this.
 */
export type ExpShiftedFn = (values: Float64Array, start: number, count: number, shift: number, store: boolean) => number;

export const expShiftedScalar: ExpShiftedFn = (values, start, count, shift, store) =>
  store ? exponentiateShifted(values, start, count, shift) : sumExpShifted(values, start, count, shift);

/** Σ exp(values[i] − shift) for i in [start, start + count), in order, from 0. */
export function sumExpShifted(values: Float64Array, start: number, count: number, shift: number): number {
  let total = 0;
  for (let i = start, end = start + count; i < end; i++) total += exp(values[i]! - shift);
  return total;
}
