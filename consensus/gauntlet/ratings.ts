/**
 * A block's rating changes: each contributor's Plackett-Luce game against the baseline, and the
 * indicator's moving average binaryMA ← (1 − α)·binaryMA + α·b. Rewards are added later, once
 * the weights are known (see gauntlet.ts).
 *
 * The baseline is the empty update, whose score is 0 by definition (it leaves the model as it
 * is). Every contribution plays one game against it: a lone contribution is still rated, and one
 * that does worse than nothing loses to it and loses skill. The baseline is a fixed anchor, not a
 * stored rating: it enters every game with the initial rating (mu 25, sigma 25/3) and its updated
 * rating is thrown away, so no block can move it and a new contributor starts level with it. A
 * score of exactly 0 ties with it.
 *
 * The contributors of a block are not ranked against each other: the block producer chooses who
 * is in its block, and a ranking against the others would let it raise its own rating by leaving
 * out its best rivals (measured in the incentive suite: see docs/protocol.md, Ratings). Against
 * the baseline alone, a contributor's rating depends on its own scores only, whoever else was let in.
 */
import type { Rating, RatingMap } from './state.ts';
import { INITIAL_MU, INITIAL_SIGMA, NEW_RATING } from './state.ts';
import { plackettLuce, type SkillRating } from './plackett-luce.ts';

export interface ScoredContributor {
  /** Hex of the contributor's address: the key of its rating. */
  readonly key: string;
  readonly score: number;
  /** +1 or −1. */
  readonly indicator: number;
}

/** The baseline player: the empty update, score 0, always at the initial rating. */
export const BASELINE_PLAYER: SkillRating = Object.freeze({ mu: INITIAL_MU, sigma: INITIAL_SIGMA });
export const BASELINE_SCORE = 0;

/** Each contributor's skill after its game against the baseline, in the order given. */
export function rateAgainstBaseline(players: readonly SkillRating[], scores: readonly number[]): SkillRating[] {
  if (scores.length !== players.length) throw new RangeError(`${players.length} players but ${scores.length} scores`);
  return players.map((player, i) => plackettLuce([player, BASELINE_PLAYER], [scores[i]!, BASELINE_SCORE])[0]!);
}

/** The records of the block's contributors after the block, in the order given (block order). */
export function updateRatings(alpha: number, ratings: RatingMap, scored: readonly ScoredContributor[]): Rating[] {
  const before = scored.map((s) => ratings.get(s.key) ?? NEW_RATING);
  const skills = rateAgainstBaseline(
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
