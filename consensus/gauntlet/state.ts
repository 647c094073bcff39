/**
 * Contributors' ratings: the part of the state the Gauntlet carries from block to block. A record
 * is created the first time a contributor is scored and never deleted (a disconnect restores the
 * previous record, or removes it if the block created it).
 *
 * A rating is a skill estimate (OpenSkill's mu and sigma, moved by the Plackett-Luce update over
 * each block's ranking) and a moving average of the own-versus-random indicator, which says
 * whether the contributor trained on the pages assigned to it. Its final score multiplies the two,
 * so a contributor needs both a good rank and honest data use to be paid.
 */

export interface Rating {
  readonly mu: number;
  readonly sigma: number;
  /** Moving average of the indicator b ∈ {−1, +1}; starts at 0. */
  readonly binaryMA: number;
  /** Blocks in which this contributor had a contribution scored. */
  readonly contributions: number;
  /** Base units the Gauntlet has paid this contributor, over all blocks. */
  readonly rewards: bigint;
}

/** Ratings keyed by the lowercase hex of the contributor's 20-byte address; absent means new. */
export type RatingMap = ReadonlyMap<string, Rating>;

/** OpenSkill's defaults: mu = 25, sigma = 25/3, so a new contributor's ordinal mu − 3·sigma is 0. */
export const INITIAL_MU = 25;
export const INITIAL_SIGMA = 25 / 3;
/** The ordinal's z: mu − z·sigma is a lower bound on skill with about 99.9 % confidence. */
export const ORDINAL_Z = 3;

export const NEW_RATING: Rating = Object.freeze({ mu: INITIAL_MU, sigma: INITIAL_SIGMA, binaryMA: 0, contributions: 0, rewards: 0n });

/** x when positive, else +0 (never −0, so the result's bits depend on x's value alone). */
export function positivePart(x: number): number {
  return x > 0 ? x : 0;
}

export function ordinal(r: Pick<Rating, 'mu' | 'sigma'>): number {
  return r.mu - ORDINAL_Z * r.sigma;
}

/** final = max(0, ordinal) · max(0, binaryMA): what the reward weights are made of. */
export function finalScore(r: Pick<Rating, 'mu' | 'sigma' | 'binaryMA'>): number {
  return positivePart(ordinal(r)) * positivePart(r.binaryMA);
}

/** The rating map after a block's changes (a new map; `base` is untouched). */
export function mergeRatings(base: RatingMap, changed: RatingMap): Map<string, Rating> {
  const merged = new Map(base);
  for (const [key, rating] of changed) merged.set(key, rating);
  return merged;
}

/** The rating map after disconnecting a block: null in `previous` means the block created it. */
export function revertRatings(current: RatingMap, previous: ReadonlyMap<string, Rating | null>): Map<string, Rating> {
  const reverted = new Map(current);
  for (const [key, rating] of previous) {
    if (rating === null) reverted.delete(key);
    else reverted.set(key, rating);
  }
  return reverted;
}
