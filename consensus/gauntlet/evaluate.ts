/**
 * Scoring with the reference evaluator. Contribution i is tried as θ_i = fround(θ − η_eval·Δ_i)
 * (only Δ_i's sparse entries change) and four mean losses are measured:
 *
 *   L_own_before_i, L_own_after_i   on i's own assigned pages, at θ and θ_i;
 *   L_rand_before, L_rand_after_i   on the block's shared random pages, at θ and θ_i.
 *
 * score_i = gain(L_rand_before, L_rand_after_i), with gain(b, a) = (b − a) / max(b, LOSS_FLOOR),
 * the relative improvement on data nobody could train on; indicator_i = +1 when the relative gain
 * on its own pages is strictly greater than score_i (it trained on what it was assigned), else −1.
 *
 * Every value must be a finite float64 the report can carry and compare bit for bit, whatever a
 * contribution does to the model: a loss that is NaN or above LOSS_CEILING counts as LOSS_CEILING,
 * and the denominator is at least LOSS_FLOOR, so every gain is finite. Real losses of a byte model
 * lie near ln 256 ≈ 5.5 and below, far from both bounds, where the rules are the plain formulas.
 */
import type { ParamLayout } from '../../trainer/layout.ts';
import type { DecodedGradient } from '../../trainer/codec.ts';
import { applySparse } from '../../trainer/codec.ts';
import type { LossBatch, LossJob } from '../../trainer/reference/loss-batch.ts';

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
}

export interface EvaluationTask {
  readonly gradient: DecodedGradient;
  readonly ownWindows: readonly Uint8Array[];
}

/** A loss as the Gauntlet uses it: in [0, LOSS_CEILING], NaN mapped to the ceiling. */
export function boundedLoss(loss: number): number {
  return loss <= LOSS_CEILING ? loss : LOSS_CEILING;
}

/** (before − after) / max(before, LOSS_FLOOR): relative loss improvement, finite for bounded losses. */
export function relativeGain(before: number, after: number): number {
  return (before - after) / (before > LOSS_FLOOR ? before : LOSS_FLOOR);
}

/** θ_i = fround(θ − η·Δ): a copy of θ with the gradient's entries stepped (in index order). */
export function trialParams(theta: Float32Array, gradient: DecodedGradient, evalStepSize: number): Float32Array {
  const trial = theta.slice();
  applySparse(trial, gradient, -evalStepSize);
  return trial;
}

/**
 * Evaluates every task against θ: all losses are asked of `lossBatch` in one call (θ on the random
 * windows, then per task θ and θ_i on its own windows and θ_i on the random windows), and read
 * back by position, so the result does not depend on how the batch is run.
 */
export function evaluateContributions(
  layout: ParamLayout,
  theta: Float32Array,
  evalStepSize: number,
  randomWindows: readonly Uint8Array[],
  tasks: readonly EvaluationTask[],
  lossBatch: LossBatch,
): Evaluation[] {
  if (tasks.length === 0) return [];
  const jobs: LossJob[] = [{ params: theta, windows: randomWindows }];
  for (const task of tasks) {
    const trial = trialParams(theta, task.gradient, evalStepSize);
    jobs.push({ params: theta, windows: task.ownWindows }, { params: trial, windows: task.ownWindows }, { params: trial, windows: randomWindows });
  }
  const losses = lossBatch(layout, jobs);
  const lossRandBefore = boundedLoss(losses[0]!);
  return tasks.map((_task, i) => {
    const lossOwnBefore = boundedLoss(losses[1 + 3 * i]!);
    const lossOwnAfter = boundedLoss(losses[2 + 3 * i]!);
    const lossRandAfter = boundedLoss(losses[3 + 3 * i]!);
    const score = relativeGain(lossRandBefore, lossRandAfter);
    const indicator = relativeGain(lossOwnBefore, lossOwnAfter) > score ? 1 : -1;
    return Object.freeze({ lossOwnBefore, lossOwnAfter, lossRandBefore, lossRandAfter, score, indicator });
  });
}
