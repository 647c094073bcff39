/**
 * Aggregation and the outer step. A contribution can only be aggregated if its Δ lies within the
 * genesis' norm bound, ‖Δ‖ ≤ maxDeltaNorm (a candidate); of the candidates whose share improved
 * the block's aggregate (score > 0, see evaluate.ts), or, under the genesis' aggregationTolerance
 * τ, whose share is within τ of 0 while its contributor has a record in the parent state (a score
 * that small is the noise of 16 windows), and, under minOwnGain φ, whose share gains at least φ on
 * its own pages (noise and copies gain nothing there), the best topK by score (ties to the lower
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
import type { Rating } from './state.ts';
import { finalScore } from './state.ts';

export function l2Norm(gradient: DecodedGradient): number {
  return Math.sqrt(payloadNormSquared(gradient));
}

/** True when Δ may join the aggregate: ‖Δ‖ ≤ maxDeltaNorm (a bound of +∞ admits every Δ). */
export function withinNormBound(gradient: DecodedGradient, maxDeltaNorm: number): boolean {
  return l2Norm(gradient) <= maxDeltaNorm;
}

/** A contribution as aggregation sees it: its scores, whether it is a candidate, and its contributor's record. */
export interface AggregationEntry {
  readonly score: number;
  /** The relative gain its share makes on its own pages (evaluate.ts: what the indicator compares with the score). */
  readonly ownGain: number;
  /** Within the norm bound (withinNormBound). */
  readonly candidate: boolean;
  /** The contributor's rating in the parent state has a track record (hasTrackRecord). */
  readonly trackRecord: boolean;
}

/**
 * A record that has earned the tolerance: a final score above 0 in the parent state, i.e. it has
 * beaten the baseline (ordinal > 0) and trained on its own pages more often than not
 * (binaryMA > 0). Read from the parent state, so nothing in the block can change it.
 */
export function hasTrackRecord(rating: Pick<Rating, 'mu' | 'sigma' | 'binaryMA'>): boolean {
  return finalScore(rating) > 0;
}

/** The genesis' aggregation settings: τ (aggregationTolerance, default 0) and φ (minOwnGain, absent: none). */
export interface AggregationRule {
  readonly topK: number;
  readonly tolerance: number;
  readonly minOwnGain: number | undefined;
}

/**
 * Indices (in block order) of the contributions to aggregate: candidates whose share gains at
 * least φ on their own pages (when φ is set) and whose score is > 0, or > −τ when their
 * contributor has a track record; of those the best topK by score.
 */
export function selectForAggregation(entries: readonly AggregationEntry[], rule: AggregationRule): number[] {
  const eligible = (e: AggregationEntry): boolean =>
    e.candidate && (rule.minOwnGain === undefined || e.ownGain >= rule.minOwnGain) && (e.score > 0 || (e.trackRecord && e.score > -rule.tolerance));
  return entries
    .map((_, i) => i)
    .filter((i) => eligible(entries[i]!))
    .sort((a, b) => {
      const sa = entries[a]!.score;
      const sb = entries[b]!.score;
      return sa > sb ? -1 : sa < sb ? 1 : a - b;
    })
    .slice(0, rule.topK)
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
