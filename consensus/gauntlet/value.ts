/**
 * What a contribution is worth to a block before it is scored: policy for pools and templates,
 * not consensus. They keep the most valuable contributions and evict the worst, never by arrival,
 * so junk cannot shut out contributors who need seconds to train:
 *
 *   1. the contributor's final score (its rating times its honest data use): proven contributors
 *      first, and an address that did worse than nothing ranks with the newcomers;
 *   2. its ordinal (mu − 3·sigma): among contributors without a final, those that beat the baseline;
 *   3. the stamp's work (leading zero bits): among newcomers, whoever paid more to get in;
 *   4. the contribution id: an order nobody can choose cheaply, for exact ties.
 */
import { addressHash } from '../address.ts';
import { toHexKey } from '../bytes.ts';
import { contributionId } from '../ids.ts';
import type { Contribution } from '../types.ts';
import { stampWork } from './stamp.ts';
import type { RatingMap } from './state.ts';
import { NEW_RATING, finalScore, ordinal } from './state.ts';

export interface ContributionValue {
  readonly final: number;
  readonly ordinal: number;
  readonly work: number;
  /** Hex of the contribution id. */
  readonly id: string;
}

export function contributionValue(ratings: RatingMap, c: Contribution): ContributionValue {
  const rating = ratings.get(toHexKey(addressHash(c.contributorPublicKey))) ?? NEW_RATING;
  return { final: finalScore(rating), ordinal: ordinal(rating), work: stampWork(c), id: toHexKey(contributionId(c)) };
}

/** Negative when `a` is worth more than `b` (sorts best first). */
export function compareValue(a: ContributionValue, b: ContributionValue): number {
  if (a.final !== b.final) return b.final - a.final;
  if (a.ordinal !== b.ordinal) return b.ordinal - a.ordinal;
  if (a.work !== b.work) return b.work - a.work;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
