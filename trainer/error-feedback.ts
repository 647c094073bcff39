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
 */
import { encodePseudoGradient } from './codec-encode.ts';
import type { CodecOptions } from './codec-format.ts';
import { requireInt, TrainerError } from './errors.ts';

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

  /** Compresses delta plus the residual and keeps what the payload does not carry. */
  compress(delta: Float32Array, options: CodecOptions): Uint8Array {
    if (!(delta instanceof Float32Array) || delta.length !== this.total) {
      throw new TrainerError('invalid-argument', `delta must be a Float32Array of ${this.total} values`);
    }
    const e = this.#residual;
    const accumulated = new Float32Array(this.total);
    for (let i = 0; i < this.total; i++) accumulated[i] = delta[i]! + e[i]!;
    const { payload, decoded } = encodePseudoGradient(accumulated, options);
    for (let i = 0; i < this.total; i++) e[i] = accumulated[i]! - decoded[i]!;
    return payload;
  }

  /** Forgets the residual (for example when the model it was computed against is abandoned). */
  reset(): void {
    this.#residual.fill(0);
  }
}
