/**
 * A block's rating changes: the Plackett-Luce update over its contributors ranked by score (when
 * there are at least two) and the indicator's moving average binaryMA ← (1 − α)·binaryMA + α·b.
 * Rewards are added later, once the weights are known (see gauntlet.ts).
 */
import type { Rating, RatingMap } from './state.ts';
import { NEW_RATING } from './state.ts';
import { plackettLuce } from './plackett-luce.ts';

export interface ScoredContributor {
  /** Hex of the contributor's address: the key of its rating. */
  readonly key: string;
  readonly score: number;
  /** +1 or −1. */
  readonly indicator: number;
}

/** The records of the block's contributors after the block, in the order given (block order). */
export function updateRatings(alpha: number, ratings: RatingMap, scored: readonly ScoredContributor[]): Rating[] {
  const before = scored.map((s) => ratings.get(s.key) ?? NEW_RATING);
  const skills = plackettLuce(
    before,
    scored.map((s) => s.score),
  );
  return scored.map((s, i) => {
    const old = before[i]!;
    const skill = skills[i]!;
    return Object.freeze({
      mu: skill.mu,
      sigma: skill.sigma,
      binaryMA: movingAverage(old.binaryMA, s.indicator, alpha),
      contributions: old.contributions + 1,
      rewards: old.rewards,
    });
  });
}

/** (1 − α)·average + α·b, in that order of operations. */
export function movingAverage(average: number, b: number, alpha: number): number {
  return (1 - alpha) * average + alpha * b;
}
