/**
 * LayerNorm over each row of width d, GPT-2's: biased variance, ε = 1e-5 inside the root.
 *
 *   mean = (Σ x_i) / d                 (sum left to right from 0)
 *   var  = (Σ (x_i − mean)²) / d        (two passes: no cancellation of E[x²] − mean²)
 *   rstd = 1 / sqrt(var + ε)
 *   y_i  = ((x_i − mean) · rstd) · g_i + b_i
 *
 * The inputs, gains and biases are float32; mean, var, rstd and each y_i are computed in float64
 * as written (the two sums from 0, i ascending) and y_i is rounded to float32 once, when stored.
 *
 * Each sum is one chain of dependent adds, so a row waits on the adder's latency; rows are taken
 * two at a time, their chains interleaved in one loop, which lets the two run side by side. Each
 * row's own operations and their order are unchanged.
 */
export const LAYER_NORM_EPS = 1e-5;

export function layerNorm(
  out: Float32Array,
  x: Float32Array,
  rows: number,
  d: number,
  gain: Float32Array,
  bias: Float32Array,
): void {
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const o = r * d;
    const p = o + d;
    let sum0 = 0;
    let sum1 = 0;
    for (let i = 0; i < d; i++) {
      sum0 += x[o + i]!;
      sum1 += x[p + i]!;
    }
    const mean0 = sum0 / d;
    const mean1 = sum1 / d;
    let sq0 = 0;
    let sq1 = 0;
    for (let i = 0; i < d; i++) {
      const c0 = x[o + i]! - mean0;
      const c1 = x[p + i]! - mean1;
      sq0 += c0 * c0;
      sq1 += c1 * c1;
    }
    const rstd0 = 1 / Math.sqrt(sq0 / d + LAYER_NORM_EPS);
    const rstd1 = 1 / Math.sqrt(sq1 / d + LAYER_NORM_EPS);
    for (let i = 0; i < d; i++) {
      out[o + i] = (x[o + i]! - mean0) * rstd0 * gain[i]! + bias[i]!;
      out[p + i] = (x[p + i]! - mean1) * rstd1 * gain[i]! + bias[i]!;
    }
  }
  if (r < rows) layerNormRow(out, x, r * d, d, gain, bias);
}

/** One row, starting at o: the definition above as written. */
function layerNormRow(out: Float32Array, x: Float32Array, o: number, d: number, gain: Float32Array, bias: Float32Array): void {
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
