/**
 * Scores taken from a block's own report instead of the evaluator: assume-valid sync (Bitcoin
 * Core's assumevalid). For a block the node's operator vouches for (an ancestor of a block hash
 * they accept) the losses, scores and indicators are read from the report; everything computed
 * from them (ratings, weights, rewards, the aggregation, θ', the state root) is still computed and
 * checked against the block, so only the evaluation, by far the dearest step, is skipped.
 *
 * The report is still held to the shapes the rest of the Gauntlet relies on: one entry per
 * contribution, bounded losses, finite scores, indicators of ±1.
 */
import { VerifyError } from '../errors.ts';
import type { ReportEntry } from '../types.ts';
import type { DecodedGradient } from '../../trainer/codec.ts';
import { LOSS_CEILING, type Evaluation } from './evaluate.ts';
import { withinNormBound } from './aggregate.ts';

function checkLoss(value: number, at: string, field: string): number {
  if (!(value >= 0 && value <= LOSS_CEILING)) throw new VerifyError('bad-report-loss', `${at}: ${field} ${value} is not a loss in [0, ${LOSS_CEILING}]`);
  return value;
}

/**
 * The evaluations a trusted report states for the block's contributions. Whether each is a
 * candidate for the aggregate needs no evaluation (its norm against the genesis bound), so it is
 * recomputed, not read.
 */
export function reportedEvaluations(report: readonly ReportEntry[], gradients: readonly DecodedGradient[], maxDeltaNorm: number): Evaluation[] {
  const count = gradients.length;
  if (report.length !== count) throw new VerifyError('bad-report-count', `the report has ${report.length} entries, the block ${count} contributions`);
  return report.map((entry, i): Evaluation => {
    const at = `report entry ${i}`;
    if (!Number.isFinite(entry.score)) throw new VerifyError('bad-report-score', `${at}: score ${entry.score} is not finite`);
    if (entry.indicator !== 1 && entry.indicator !== -1) throw new VerifyError('bad-report-indicator', `${at}: indicator ${entry.indicator} is not ±1`);
    return Object.freeze({
      lossOwnBefore: checkLoss(entry.lossOwnBefore, at, 'lossOwnBefore'),
      lossOwnAfter: checkLoss(entry.lossOwnAfter, at, 'lossOwnAfter'),
      lossRandBefore: checkLoss(entry.lossRandBefore, at, 'lossRandBefore'),
      lossRandAfter: checkLoss(entry.lossRandAfter, at, 'lossRandAfter'),
      score: entry.score,
      indicator: entry.indicator,
      candidate: withinNormBound(gradients[i]!, maxDeltaNorm),
    });
  });
}
