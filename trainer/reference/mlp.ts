/**
 * GPT-2's GELU, the tanh approximation
 *
 *   gelu(x) = 0.5·x·(1 + tanh(u)),   u = sqrt(2/π)·(x + 0.044715·x³)
 *
 * evaluated through the identity (1 + tanh(u))/2 = 1/(1 + e^(−2u)) as
 *
 *   gelu(x) = x / (1 + exp(−2·u)),   u = SQRT_2_OVER_PI · (x + ((0.044715 · x) · x) · x)
 *
 * The same function, but one exp instead of tanh's expm1 and a division (a fifth faster), and
 * no cancellation in 1 + tanh(u) for very negative x. Large |x| behave: exp overflows to +∞ and
 * gives −0 for x ≪ 0, and underflows to 0 and gives x for x ≫ 0.
 */
import { exp } from './math.ts';

/** sqrt(2/π) as the double nearest to it (Math.sqrt(2 / Math.PI) gives the same bits). */
export const SQRT_2_OVER_PI = 0.7978845608028654;
export const GELU_CUBIC = 0.044715;

export function gelu(x: number): number {
  return x / (1 + exp(-2 * (SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x))));
}

export function geluInPlace(values: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) values[i] = gelu(values[i]!);
}
