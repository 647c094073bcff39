/**
 * Aggregation and the outer step. A contribution can only be aggregated if its Δ lies within the
 * genesis' norm bound, ‖Δ‖ ≤ maxDeltaNorm (a candidate); of the candidates whose share improved
 * the block's aggregate (score > 0, see evaluate.ts), the best topK by score (ties to the lower
 * address, i.e. the earlier contribution) are aggregated, and the model takes one step along their
 * mean:
 *
 *   θ'_j = fround(θ_j − η · (Σ_i Δ_ij / m)),
 *
 * with the sum in float64, over the chosen contributions in block order, each one's entries in
 * index order, and one rounding to float32 per parameter at the end.
 *
 * The bound is a constant of the network, not a statistic of the block, so a drift that every
 * contributor shares (an error-feedback residual sent in pieces, a recipe that grows its steps)
 * cannot raise it, and no single contribution moves the model by more than η·maxDeltaNorm/m.
 * An honest contributor keeps its payload within the bound by scaling it down before sending (the
 * remainder stays in its error feedback); a Δ beyond it is not rescaled but left out, so a
 * contribution multiplied by 100 gains nothing by its size.
 *
 * If the step would make any parameter non-finite (float32 overflow), the update is void and the
 * model stays θ: the chain must never hold a model that every later evaluation turns into NaN.
 */
import type { DecodedGradient } from '../../trainer/codec.ts';
import { payloadNormSquared } from '../../trainer/codec.ts';

export function l2Norm(gradient: DecodedGradient): number {
  return Math.sqrt(payloadNormSquared(gradient));
}

/** True when Δ may join the aggregate: ‖Δ‖ ≤ maxDeltaNorm (a bound of +∞ admits every Δ). */
export function withinNormBound(gradient: DecodedGradient, maxDeltaNorm: number): boolean {
  return l2Norm(gradient) <= maxDeltaNorm;
}

/**
 * Indices (in block order) of the contributions to aggregate: candidates with score > 0, the best
 * topK by score.
 */
export function selectForAggregation(scores: readonly number[], candidates: readonly boolean[], topK: number): number[] {
  if (candidates.length !== scores.length) throw new RangeError(`${scores.length} scores but ${candidates.length} candidate flags`);
  return scores
    .map((_, i) => i)
    .filter((i) => candidates[i]! && scores[i]! > 0)
    .sort((a, b) => (scores[a]! > scores[b]! ? -1 : scores[a]! < scores[b]! ? 1 : a - b))
    .slice(0, topK)
    .sort((a, b) => a - b);
}

/** Σ_i Δ_i in float64, over the gradients in the given order, each one's entries in index order. */
export function sumGradients(total: number, gradients: readonly DecodedGradient[]): Float64Array {
  const sum = new Float64Array(total);
  for (const gradient of gradients) {
    if (gradient.total !== total) throw new RangeError(`gradient has ${gradient.total} parameters, the model ${total}`);
    const { indices, values } = gradient;
    for (let j = 0; j < indices.length; j++) sum[indices[j]!]! += values[j]!;
  }
  return sum;
}

/** fround(θ_j − η · (sum_j / m)) for one parameter: the one formula every step of the Gauntlet uses. */
export function steppedParameter(theta: number, sum: number, m: number, stepSize: number): number {
  return Math.fround(theta - stepSize * (sum / m));
}

export interface OuterStep {
  /** θ' (a new array; θ itself when nothing was applied). */
  readonly model: Float32Array;
  /** False when no contribution was chosen or the step was void. */
  readonly applied: boolean;
}

/** θ' = θ − η·mean(chosen), the chosen gradients given in block order. θ is not modified. */
export function outerStep(theta: Float32Array, chosen: readonly DecodedGradient[], outerStepSize: number): OuterStep {
  if (chosen.length === 0) return { model: theta, applied: false };
  const sum = sumGradients(theta.length, chosen);
  const m = chosen.length;
  const next = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) {
    const value = steppedParameter(theta[j]!, sum[j]!, m, outerStepSize);
    if (!Number.isFinite(value)) return { model: theta, applied: false };
    next[j] = value;
  }
  return { model: next, applied: true };
}
