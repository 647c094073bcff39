/**
 * LayerNorm over each row of width d, GPT-2's: biased variance, ε = 1e-5 inside the root. Inputs,
 * gains and biases are float32; everything below is float64, and each y_i is rounded to float32
 * once, when stored:
 *
 *   mean = Σ(x) / d,  var = Σ((x − mean)²) / d   (two passes: no cancellation of E[x²] − mean²)
 *   rstd = 1 / sqrt(var + ε)
 *   y_i  = ((x_i − mean) · rstd) · g_i + b_i
 *
 * where Σ(v) over a row is (S₀ + S₁) + (S₂ + S₃) plus the last d mod 4 values in index order,
 * S_m the sum from 0 of v_i over i ≡ m (mod 4), i < 4·⌊d/4⌋, in index order: the sums four SIMD
 * lanes keep side by side. layernorm-kernel.ts runs it in WebAssembly, bit for bit this.
 */
export const LAYER_NORM_EPS = 1e-5;

/** The signature both implementations share. */
export type LayerNormFn = (out: Float32Array, x: Float32Array, rows: number, d: number, gain: Float32Array, bias: Float32Array) => void;

export const layerNormScalar: LayerNormFn = (out, x, rows, d, gain, bias) => {
  const whole = d & ~3;
  for (let o = 0; o < rows * d; o += d) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i < whole; i += 4) {
      s0 += x[o + i]!;
      s1 += x[o + i + 1]!;
      s2 += x[o + i + 2]!;
      s3 += x[o + i + 3]!;
    }
    let sum = s0 + s1 + (s2 + s3);
    for (; i < d; i++) sum += x[o + i]!;
    const mean = sum / d;
    s0 = s1 = s2 = s3 = 0;
    for (i = 0; i < whole; i += 4) {
      const c0 = x[o + i]! - mean;
      const c1 = x[o + i + 1]! - mean;
      const c2 = x[o + i + 2]! - mean;
      const c3 = x[o + i + 3]! - mean;
      s0 += c0 * c0;
      s1 += c1 * c1;
      s2 += c2 * c2;
      s3 += c3 * c3;
    }
    let sq = s0 + s1 + (s2 + s3);
    for (; i < d; i++) {
      const c = x[o + i]! - mean;
      sq += c * c;
    }
    const rstd = 1 / Math.sqrt(sq / d + LAYER_NORM_EPS);
    for (i = 0; i < d; i++) out[o + i] = (x[o + i]! - mean) * rstd * gain[i]! + bias[i]!;
  }
};
