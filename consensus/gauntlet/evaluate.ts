/**
 * Scoring with the reference evaluator: each contribution is judged by what it adds to the block's
 * aggregate, not by its step alone. A lone update trained on one page overfits that page and can
 * raise the loss elsewhere at full step, while the mean of several such updates keeps lowering it;
 * judging each by its share of the mean pays for the work the chain actually uses.
 *
 * The candidates are the Δs within the norm bound (aggregate.ts); with S = Σ of the candidates'
 * Δ (float64, block order) and m = max(1, their count), the block's trial aggregate is
 *
 *   θ_agg = fround(θ − η_eval · S/m)                      (θ itself when there is no candidate)
 *
 * and each contribution is tried with and without its share Δ_i/m, the other shares unchanged:
 *
 *   candidate:      before_i = fround(θ − η_eval·(S − Δ_i)/m)  (only Δ_i's entries recomputed),
 *                   after_i  = θ_agg;
 *   non-candidate:  before_i = θ_agg,  after_i = fround(θ − η_eval·(S + Δ_i)/m).
 *
 * Four mean losses per contribution: L_own_before_i, L_own_after_i on its own assigned pages, and
 * L_rand_before_i, L_rand_after_i on the block's shared random pages, at before_i and after_i.
 *
 * score_i = gain(L_rand_before_i, L_rand_after_i), with gain(b, a) = (b − a) / max(b, LOSS_FLOOR):
 * the relative improvement its share makes on data nobody could train on (> 0: the aggregate is
 * better with it). A non-candidate's score is min(0, gain): it is never aggregated, so it is never
 * paid (a blown-up honest Δ can still lower the loss at a young model), but harm ranks it low.
 * indicator_i = +1 when the relative gain its share makes on its own pages is
 * strictly greater than score_i (it trained on what it was assigned), else −1.
 *
 * Every value must be a finite float64 the report can carry and compare bit for bit, whatever a
 * contribution does to the model: a loss that is NaN or above LOSS_CEILING counts as LOSS_CEILING,
 * and the denominator is at least LOSS_FLOOR, so every gain is finite. Real losses of a byte model
 * lie near ln 256 ≈ 5.5 and below, far from both bounds, where the rules are the plain formulas.
 */
import type { ParamLayout } from '../../trainer/layout.ts';
import type { DecodedGradient } from '../../trainer/codec.ts';
import type { LossBatch, LossJob } from '../../trainer/reference/loss-batch.ts';
import { steppedParameter, sumGradients, withinNormBound } from './aggregate.ts';

/** 2^20 nats: no real loss comes near it; NaN and anything above are reported as this. */
export const LOSS_CEILING = 2 ** 20;
/** 2^−20: the smallest denominator of a relative gain. */
export const LOSS_FLOOR = 2 ** -20;

export interface Evaluation {
  readonly lossOwnBefore: number;
  readonly lossOwnAfter: number;
  readonly lossRandBefore: number;
  readonly lossRandAfter: number;
  readonly score: number;
  /** +1 or −1. */
  readonly indicator: number;
  /** Within the norm bound: part of the trial aggregate, and eligible for the outer step. */
  readonly candidate: boolean;
}

export interface EvaluationTask {
  readonly gradient: DecodedGradient;
  readonly ownWindows: readonly Uint8Array[];
}

export interface ScoringRule {
  /** η_eval: the step of the trial aggregate. */
  readonly evalStepSize: number;
  /** The candidates' bound on ‖Δ‖. */
  readonly maxDeltaNorm: number;
}

/** A loss as the Gauntlet uses it: in [0, LOSS_CEILING], NaN mapped to the ceiling. */
export function boundedLoss(loss: number): number {
  return loss <= LOSS_CEILING ? loss : LOSS_CEILING;
}

/** (before − after) / max(before, LOSS_FLOOR): relative loss improvement, finite for bounded losses. */
export function relativeGain(before: number, after: number): number {
  return (before - after) / (before > LOSS_FLOOR ? before : LOSS_FLOOR);
}

/** The block's trial aggregate fround(θ − η·S/m), or θ itself when no candidate was summed. */
export function aggregateParams(theta: Float32Array, sum: Float64Array, m: number, stepSize: number, empty: boolean): Float32Array {
  if (empty) return theta;
  const out = new Float32Array(theta.length);
  for (let j = 0; j < theta.length; j++) out[j] = steppedParameter(theta[j]!, sum[j]!, m, stepSize);
  return out;
}

/** θ_agg with one contribution's share taken out (sign −1) or put in (sign +1): only its entries change. */
export function shareShifted(
  theta: Float32Array,
  aggregate: Float32Array,
  sum: Float64Array,
  m: number,
  stepSize: number,
  gradient: DecodedGradient,
  sign: 1 | -1,
): Float32Array {
  const out = aggregate.slice();
  const { indices, values } = gradient;
  for (let j = 0; j < indices.length; j++) {
    const k = indices[j]!;
    out[k] = steppedParameter(theta[k]!, sum[k]! + sign * values[j]!, m, stepSize);
  }
  return out;
}

/**
 * Evaluates every task against θ: all losses are asked of `lossBatch` in one call (θ_agg on the
 * random windows, then per task the other model on the random windows and both on its own
 * windows), and read back by position, so the result does not depend on how the batch is run.
 */
export function evaluateContributions(
  layout: ParamLayout,
  theta: Float32Array,
  rule: ScoringRule,
  randomWindows: readonly Uint8Array[],
  tasks: readonly EvaluationTask[],
  lossBatch: LossBatch,
): Evaluation[] {
  if (tasks.length === 0) return [];
  const candidates = tasks.map((task) => withinNormBound(task.gradient, rule.maxDeltaNorm));
  const members = tasks.filter((_, i) => candidates[i]).map((task) => task.gradient);
  const m = Math.max(1, members.length);
  const sum = sumGradients(theta.length, members);
  const aggregate = aggregateParams(theta, sum, m, rule.evalStepSize, members.length === 0);
  const pairs = tasks.map((task, i) => {
    const shifted = shareShifted(theta, aggregate, sum, m, rule.evalStepSize, task.gradient, candidates[i] ? -1 : 1);
    return candidates[i] ? { before: shifted, after: aggregate, shifted } : { before: aggregate, after: shifted, shifted };
  });
  const jobs: LossJob[] = [{ params: aggregate, windows: randomWindows }];
  tasks.forEach((task, i) => {
    const { before, after, shifted } = pairs[i]!;
    jobs.push({ params: shifted, windows: randomWindows }, { params: before, windows: task.ownWindows }, { params: after, windows: task.ownWindows });
  });
  const losses = lossBatch(layout, jobs);
  const lossAggregate = boundedLoss(losses[0]!);
  return tasks.map((_task, i) => {
    const lossShifted = boundedLoss(losses[1 + 3 * i]!);
    const lossOwnBefore = boundedLoss(losses[2 + 3 * i]!);
    const lossOwnAfter = boundedLoss(losses[3 + 3 * i]!);
    const candidate = candidates[i]!;
    const lossRandBefore = candidate ? lossShifted : lossAggregate;
    const lossRandAfter = candidate ? lossAggregate : lossShifted;
    const gain = relativeGain(lossRandBefore, lossRandAfter);
    // The chain never uses a Δ beyond the bound, so it cannot earn by it: only harm counts.
    const score = candidate || gain <= 0 ? gain : 0;
    const indicator = relativeGain(lossOwnBefore, lossOwnAfter) > score ? 1 : -1;
    return Object.freeze({ lossOwnBefore, lossOwnAfter, lossRandBefore, lossRandAfter, score, indicator, candidate });
  });
}
