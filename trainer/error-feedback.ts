/**
 * Error feedback for the compressed pseudo-gradient (as in EF-SGD / DeepSpeed's 1-bit Adam): what
 * the top-k quantiser does not send this round is kept and added to the next round's update, so
 * nothing is lost, only delayed.
 *
 *   a ← fround(delta + e)      the update plus what earlier rounds left unsent
 *   send encode(a)             payload; every receiver reconstructs `decoded`
 *   e ← fround(a − decoded)
 *
 * After R rounds Σ decoded_r = Σ delta_r − e_R up to float32 rounding of the additions, and e stays
 * bounded. In every chunk of n entries the codec sends the k largest; each sent value is off by at
 * most half a quantisation step, max|a|/254, and so is each chosen one that rounds to 0. Hence
 *   ‖a − decoded‖² ≤ ‖a‖² − (1 − k/254²)·Σ_chosen a² ≤ (1 − δ)·‖a‖²,   δ = (k/n)·(1 − k/254²),
 * and with ρ = √(1 − δ), ‖e_R‖ ≤ ρ(‖delta_R‖ + ‖e_{R−1}‖), so for every R
 *   ‖e_R‖ ≤ ρ/(1 − ρ) · max_r ‖delta_r‖
 * (about 127 × at the defaults n = 1024, k = 16; float32 rounding adds a relative 2⁻²⁴ per step,
 * and chunks too small to quantise, max|a| < 2⁻¹²⁶·127, are held back whole).
 *
 * With a norm bound (a network's maxDeltaNorm, beyond which the Gauntlet does not aggregate a Δ),
 * the payload is encode(s·a) with s ≤ 1 the largest factor tried whose decoded norm is within the
 * bound, and the residual keeps a − decoded as before. The residual is then no longer bounded by
 * the codec alone, so it is itself held to `maxResidualNorm` (scaled down when above): a residual
 * is an update computed against older models, and sending it later only helps while it is small.
 */
import { encodePseudoGradient } from './codec-encode.ts';
import type { CodecOptions } from './codec-format.ts';
import { requireInt, TrainerError } from './errors.ts';

export interface NormBound {
  /** The payload's decoded L2 norm is at most this. */
  readonly maxNorm: number;
  /** The residual's L2 norm is at most this after each round (default: unbounded). */
  readonly maxResidualNorm?: number;
}

/** √(Σ v²) in float64, in index order: zeros add nothing, so a dense decoded vector gives its payload's norm. */
function denseNorm(v: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  return Math.sqrt(sum);
}

export class ErrorFeedback {
  readonly total: number;
  readonly #residual: Float32Array;

  constructor(total: number) {
    this.total = requireInt(total, 'total', 1, 2 ** 32 - 1);
    this.#residual = new Float32Array(total);
  }

  /** What has not been sent yet (a copy). */
  get residual(): Float32Array {
    return this.#residual.slice();
  }

  /**
   * Compresses delta plus the residual and keeps what the payload does not carry; with `bound`,
   * the payload's decoded L2 norm is at most bound.maxNorm and the residual's at most
   * bound.maxResidualNorm (default: unbounded).
   */
  compress(delta: Float32Array, options: CodecOptions, bound?: NormBound): Uint8Array {
    if (!(delta instanceof Float32Array) || delta.length !== this.total) {
      throw new TrainerError('invalid-argument', `delta must be a Float32Array of ${this.total} values`);
    }
    const maxNorm = bound?.maxNorm ?? Infinity;
    if (!(maxNorm > 0)) throw new TrainerError('invalid-argument', `maxNorm must be above 0, got ${maxNorm}`);
    const e = this.#residual;
    const accumulated = new Float32Array(this.total);
    for (let i = 0; i < this.total; i++) accumulated[i] = delta[i]! + e[i]!;
    let { payload, decoded } = encodePseudoGradient(accumulated, options);
    for (let attempt = 0, norm = denseNorm(decoded); norm > maxNorm; attempt++, norm = denseNorm(decoded)) {
      if (attempt === 8) throw new TrainerError('invalid-argument', `could not bring the payload's norm ${norm} within ${maxNorm}`);
      // Quantisation is relative to each chunk's largest entry, so the decoded norm scales with s
      // up to rounding; each retry aims a little lower.
      const s = (maxNorm / norm) * (1 - 2 ** -16 * 2 ** attempt);
      ({ payload, decoded } = encodePseudoGradient(accumulated.map((v) => v * s), options));
    }
    for (let i = 0; i < this.total; i++) e[i] = accumulated[i]! - decoded[i]!;
    const maxResidual = bound?.maxResidualNorm ?? Infinity;
    const residualNorm = denseNorm(e);
    if (residualNorm > maxResidual) {
      const s = maxResidual / residualNorm;
      for (let i = 0; i < this.total; i++) e[i] = e[i]! * s;
    }
    return payload;
  }

  /** Forgets the residual (for example when the model it was computed against is abandoned). */
  reset(): void {
    this.#residual.fill(0);
  }
}
