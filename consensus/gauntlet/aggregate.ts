/**
 * Aggregation and the outer step. The candidates are the contributions with score > 0; the best
 * topK of them by score (ties to the lower address, i.e. the earlier contribution) are
 * aggregated. Each chosen Δ is clipped to the median L2 norm of the chosen set, the clipped Δs
 * are averaged, and the model takes one step:
 *
 *   θ'_j = fround(θ_j − η · (Σ_i c_i·Δ_ij / m)),   c_i = min(1, median / ‖Δ_i‖),
 *
 * with the sum in float64, over the chosen contributions in block order, each one's entries in
 * index order, and one rounding to float32 per parameter at the end.
 *
 * The median of an even count is the lower of the two middle norms (as torch.median, which the
 * Gauntlet's reference validator uses): always the norm of a real contribution, so one outsized
 * Δ can neither set nor raise the clip. Clipping to the median means at least half of the set
 * passes unchanged and no single contribution moves the model more than a typical one.
 *
 * If the step would make any parameter non-finite (float32 overflow), the update is void and the
 * model stays θ: the chain must never hold a model that every later evaluation turns into NaN.
 */
import type { DecodedGradient } from '../../trainer/codec.ts';
import { payloadNormSquared } from '../../trainer/codec.ts';

/** Indices (in block order) of the contributions to aggregate: score > 0, best topK by score. */
export function selectForAggregation(scores: readonly number[], topK: number): number[] {
  return scores
    .map((_, i) => i)
    .filter((i) => scores[i]! > 0)
    .sort((a, b) => (scores[a]! > scores[b]! ? -1 : scores[a]! < scores[b]! ? 1 : a - b))
    .slice(0, topK)
    .sort((a, b) => a - b);
}

export function l2Norm(gradient: DecodedGradient): number {
  return Math.sqrt(payloadNormSquared(gradient));
}

/** The lower median: element ⌊(m − 1)/2⌋ of the values sorted ascending. */
export function lowerMedian(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('the median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** c_i = median / ‖Δ_i‖ where ‖Δ_i‖ > median, else exactly 1. */
export function clipFactors(norms: readonly number[]): number[] {
  if (norms.length === 0) return [];
  const median = lowerMedian(norms);
  return norms.map((norm) => (norm > median ? median / norm : 1));
}

export interface OuterStep {
  /** θ' (a new array; θ itself when nothing was applied). */
  readonly model: Float32Array;
  /** False when no contribution was chosen or the step was void. */
  readonly applied: boolean;
  readonly clipFactors: readonly number[];
}

/** θ' from the chosen gradients, given in block order. θ is not modified. */
export function outerStep(theta: Float32Array, chosen: readonly DecodedGradient[], outerStepSize: number): OuterStep {
  if (chosen.length === 0) return { model: theta, applied: false, clipFactors: [] };
  const factors = clipFactors(chosen.map(l2Norm));
  const sum = new Float64Array(theta.length);
  chosen.forEach((gradient, i) => {
    if (gradient.total !== theta.length) throw new RangeError(`gradient has ${gradient.total} parameters, the model ${theta.length}`);
    const c = factors[i]!;
    const { indices, values } = gradient;
    for (let j = 0; j < indices.length; j++) sum[indices[j]!]! += c * values[j]!;
  });
  const m = chosen.length;
  const next = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) {
    const value = Math.fround(theta[j]! - outerStepSize * (sum[j]! / m));
    if (!Number.isFinite(value)) return { model: theta, applied: false, clipFactors: factors };
    next[j] = value;
  }
  return { model: next, applied: true, clipFactors: factors };
}
