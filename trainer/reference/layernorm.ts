/**
 * LayerNorm over each row of width d, GPT-2's: biased variance, ε = 1e-5 inside the root.
 *
 *   mean = (Σ x_i) / d                 (sum left to right from 0)
 *   var  = (Σ (x_i − mean)²) / d        (two passes: no cancellation of E[x²] − mean²)
 *   rstd = 1 / sqrt(var + ε)
 *   y_i  = ((x_i − mean) · rstd) · g_i + b_i
 */
export const LAYER_NORM_EPS = 1e-5;

export function layerNorm(
  out: Float64Array,
  x: Float64Array,
  rows: number,
  d: number,
  gain: Float64Array,
  bias: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let sum = 0;
    for (let i = 0; i < d; i++) sum += x[o + i]!;
    const mean = sum / d;
    let sq = 0;
    for (let i = 0; i < d; i++) {
      const c = x[o + i]! - mean;
      sq += c * c;
    }
    const rstd = 1 / Math.sqrt(sq / d + LAYER_NORM_EPS);
    for (let i = 0; i < d; i++) out[o + i] = (x[o + i]! - mean) * rstd * gain[i]! + bias[i]!;
  }
}
