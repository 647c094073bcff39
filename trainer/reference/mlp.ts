/**
 * GPT-2's GELU, the tanh approximation
 *
 *   gelu(x) = 0.5·x·(1 + tanh(u)),   u = sqrt(2/π)·(x + 0.044715·x³)
 *
 * evaluated through the identity (1 + tanh(u))/2 = 1/(1 + e^(−2u)) as
 *
 *   gelu(x) = x / (1 + exp32(−2·u)),   u = SQRT_2_OVER_PI · (x + ((GELU_CUBIC · x) · x) · x)
 *
 * every operation in float32 (Math.fround of each result; both constants are float32). One
 * exponential and a division, and no cancellation in 1 + tanh(u) for very negative x. Large |x|
 * behave: exp32 gives +∞ and the result −0 for x ≪ 0, and +0 and the result x for x ≫ 0.
 */
import { exp32 } from './exp32.ts';

const f = Math.fround;

/** sqrt(2/π) and 0.044715, rounded to float32. */
export const SQRT_2_OVER_PI = f(0.7978845608028654);
export const GELU_CUBIC = f(0.044715);

/** gelu of a float32 x, as a float32. */
export function gelu(x: number): number {
  const cubic = f(f(f(GELU_CUBIC * x) * x) * x);
  return f(x / f(1 + exp32(f(-2 * f(SQRT_2_OVER_PI * f(x + cubic))))));
}

export function geluInPlace(values: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) values[i] = gelu(values[i]!);
}
