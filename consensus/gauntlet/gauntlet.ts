/**
 * The Gauntlet of one block, after its contributions have passed the filters: data assignment,
 * scoring (each contribution by its share of the block's aggregate), the rating update, the pool's
 * division by the network's normaliser (which updates the network's reward record,
 * network-record.ts) and the outer step, in that order, producing
 * the report the block must carry. Pure and deterministic: the same inputs give the same bits on
 * every node.
 */
import type { GauntletParams } from '../params.ts';
import type { Contribution, ReportEntry } from '../types.ts';
import { toHexKey } from '../bytes.ts';
import { payloadHash } from '../payload-hash.ts';
import type { ParamLayout } from '../../trainer/layout.ts';
import type { DecodedGradient } from '../../trainer/codec.ts';
import type { Dataset } from '../../trainer/pages.ts';
import type { LossBatch } from '../../trainer/reference/loss-batch.ts';
import { sequentialLossBatch } from '../../trainer/reference/loss-batch.ts';
import { ownEvalWindows, randomEvalWindows } from './assignment.ts';
import { evaluateContributions, relativeGain } from './evaluate.ts';
import { reportedEvaluations } from './trusted.ts';
import { updateRatings } from './ratings.ts';
import { contributorWeights, dividePool } from './rewards.ts';
import { NETWORK_RECORD_KEY, networkRecordAsRating, networkRecordOf } from './network-record.ts';
import { hasTrackRecord, outerStep, selectForAggregation } from './aggregate.ts';
import { contributorAddress } from './filters.ts';
import type { Rating, RatingMap } from './state.ts';
import { NEW_RATING, finalScore } from './state.ts';

export interface GauntletInput {
  readonly gauntlet: GauntletParams;
  readonly layout: ParamLayout;
  readonly dataset: Dataset;
  /** The block's parent: keys the page assignment, and every contribution must be built on it. */
  readonly parentHash: Uint8Array;
  /** The block's contributions root: keys the shared random evaluation pages. */
  readonly contributionsRoot: Uint8Array;
  /** θ, the parent's model. Not modified. */
  readonly model: Float32Array;
  /** The contributors' ratings, with the network record at its reserved key (network-record.ts). */
  readonly ratings: RatingMap;
  /** Filtered contributions in canonical order, and their decoded gradients. */
  readonly contributions: readonly Contribution[];
  readonly gradients: readonly DecodedGradient[];
  /** The contributor pool of this block, base units. */
  readonly pool: bigint;
  /** Computes the scoring losses; the sequential reference evaluator when absent. */
  readonly lossBatch?: LossBatch;
  /** Assume-valid: take the scoring (losses, scores, indicators) from this report instead of evaluating (trusted.ts). */
  readonly trustedReport?: readonly ReportEntry[];
}

export interface GauntletResult {
  readonly report: readonly ReportEntry[];
  /** The block's contributors' records after it, keyed by address hex, and the network record. */
  readonly ratings: ReadonlyMap<string, Rating>;
  /** θ'; the same array as the input θ when no update was applied. */
  readonly model: Float32Array;
  readonly modelChanged: boolean;
  readonly paid: bigint;
  /** pool − paid. */
  readonly burned: bigint;
}

export function runGauntlet(input: GauntletInput): GauntletResult {
  const { gauntlet, layout, dataset, parentHash, contributions, gradients, model } = input;
  if (gradients.length !== contributions.length) throw new RangeError(`${contributions.length} contributions but ${gradients.length} gradients`);
  if (model.length !== layout.total) throw new RangeError(`the model has ${model.length} parameters, the layout ${layout.total}`);
  // A block without contributions changes no rating, the network record included.
  if (contributions.length === 0) {
    return { report: [], ratings: new Map(), model, modelChanged: false, paid: 0n, burned: input.pool };
  }
  const network = networkRecordOf(input.ratings);
  const settings = { contextLength: layout.spec.contextLength, gauntlet };
  const addresses = contributions.map(contributorAddress);
  const randomWindows = randomEvalWindows(settings, dataset, parentHash, input.contributionsRoot);
  const evaluations = input.trustedReport
    ? reportedEvaluations(input.trustedReport, gradients, gauntlet.maxDeltaNorm)
    : evaluateContributions(
        layout,
        model,
        { evalStepSize: gauntlet.evalStepSize, maxDeltaNorm: gauntlet.maxDeltaNorm },
        randomWindows,
        gradients.map((gradient, i) => ({ gradient, ownWindows: ownEvalWindows(settings, dataset, parentHash, addresses[i]!) })),
        input.lossBatch ?? sequentialLossBatch,
      );
  const keys = addresses.map(toHexKey);
  const rated = updateRatings(
    gauntlet.alpha,
    input.ratings,
    evaluations.map((e, i) => ({ key: keys[i]!, score: e.score, indicator: e.indicator })),
  );
  const copyGroups = payloadCopyGroups(contributions);
  const weighing = contributorWeights(
    gauntlet,
    network,
    evaluations.map((e, i) => ({
      final: finalScore(rated[i]!),
      finalBefore: finalScore(input.ratings.get(keys[i]!) ?? NEW_RATING),
      score: e.score,
      indicator: e.indicator,
      gamesBefore: rated[i]!.contributions - 1,
      copyGroup: copyGroups[i]!,
    })),
  );
  const weights = weighing.weights;
  const division = dividePool(input.pool, weights);
  const chosen = selectForAggregation(
    evaluations.map((e, i) => ({
      score: e.score,
      ownGain: relativeGain(e.lossOwnBefore, e.lossOwnAfter),
      candidate: e.candidate,
      trackRecord: hasTrackRecord(input.ratings.get(keys[i]!) ?? NEW_RATING),
    })),
    { topK: gauntlet.topK, tolerance: gauntlet.aggregationTolerance ?? 0, minOwnGain: gauntlet.minOwnGain },
  );
  const step = outerStep(
    model,
    chosen.map((i) => gradients[i]!),
    gauntlet.outerStepSize,
  );
  const aggregated = new Set(step.applied ? chosen : []);

  const ratings = new Map<string, Rating>();
  const report = evaluations.map((e, i): ReportEntry => {
    const reward = division.rewards[i]!;
    ratings.set(keys[i]!, Object.freeze({ ...rated[i]!, rewards: rated[i]!.rewards + reward }));
    return Object.freeze({
      contributor: addresses[i]!,
      lossOwnBefore: e.lossOwnBefore,
      lossOwnAfter: e.lossOwnAfter,
      lossRandBefore: e.lossRandBefore,
      lossRandAfter: e.lossRandAfter,
      score: e.score,
      indicator: e.indicator,
      weight: weights[i]!,
      reward,
      aggregated: aggregated.has(i),
    });
  });
  ratings.set(NETWORK_RECORD_KEY, networkRecordAsRating({ ...weighing.record, paid: network.paid + division.paid }));
  return { report, ratings, model: step.model, modelChanged: step.applied, paid: division.paid, burned: division.burned };
}

/** Per contribution, the index of the first contribution with the same payload when another carries it, else −1. */
function payloadCopyGroups(contributions: readonly Contribution[]): number[] {
  const keys = contributions.map((c) => toHexKey(payloadHash(c.payload)));
  const first = new Map<string, number>();
  const counts = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!first.has(key)) first.set(key, i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return keys.map((key) => (counts.get(key)! > 1 ? first.get(key)! : -1));
}
