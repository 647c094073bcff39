/**
 * Which contributions a block or a pool takes, and in what order: policy for pools and templates,
 * not consensus. They keep the first contributions of the admission order and evict from its end,
 * never by arrival, so junk cannot shut out contributors who need seconds to train.
 *
 * Most places go by value (compareValue):
 *
 *   1. the contributor's final score (its rating times its honest data use): proven contributors
 *      first, and an address that did worse than nothing ranks with the newcomers;
 *   2. its ordinal (mu − 3·sigma): among contributors without a final, those that beat the baseline;
 *   3. the stamp's work (leading zero bits): among newcomers, whoever paid more to get in;
 *   4. the contribution id: an order nobody can choose cheaply, for exact ties.
 *
 * Every RESERVE_EVERY-th place (the 4th, 8th, …: ⌊n/4⌋ of any first n) is reserved for the
 * least-played rated contributor without a final (compareLeastPlayed: fewest games, then stamp
 * work, then id), and goes by value only when none is left. By value alone, an honest contributor
 * whose first shares scored ≤ 0 has lost games to the baseline, ranks below every fresh key
 * (ordinal 0) and is never let in again to win them back. The reserve takes turns among the rated
 * contributors that have not proven themselves, so each keeps being played. It is open only to
 * addresses that have played at least one game: a fresh key costs one stamp, a game costs a place
 * won in a block, so fresh keys (spam) cannot take the reserve, and proven contributors keep the
 * other three places in four.
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
  /** Games the contributor's rating has played (0: a fresh address). */
  readonly games: number;
  readonly work: number;
  /** Hex of the contribution id. */
  readonly id: string;
}

/** One place in every RESERVE_EVERY of the admission order is reserved for the least-played. */
export const RESERVE_EVERY = 4;

export function contributionValue(ratings: RatingMap, c: Contribution): ContributionValue {
  const rating = ratings.get(toHexKey(addressHash(c.contributorPublicKey))) ?? NEW_RATING;
  return { final: finalScore(rating), ordinal: ordinal(rating), games: rating.contributions, work: stampWork(c), id: toHexKey(contributionId(c)) };
}

function compareWorkThenId(a: ContributionValue, b: ContributionValue): number {
  if (a.work !== b.work) return b.work - a.work;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Negative when `a` is worth more than `b` (sorts best first). */
export function compareValue(a: ContributionValue, b: ContributionValue): number {
  if (a.final !== b.final) return b.final - a.final;
  if (a.ordinal !== b.ordinal) return b.ordinal - a.ordinal;
  return compareWorkThenId(a, b);
}

/** Whether a contribution may take a reserved place: its contributor is rated (≥ 1 game) and has no final. */
export function takesReserve(v: ContributionValue): boolean {
  return v.games >= 1 && !(v.final > 0);
}

/** Negative when `a` goes before `b` for a reserved place: fewer games, then more stamp work, then id. */
export function compareLeastPlayed(a: ContributionValue, b: ContributionValue): number {
  if (a.games !== b.games) return a.games - b.games;
  return compareWorkThenId(a, b);
}

/** Whether the k-th place (0-based) of the admission order is a reserved one. */
export function isReservedPlace(k: number): boolean {
  return (k + 1) % RESERVE_EVERY === 0;
}

/**
 * The items in admission order (see the file comment): any first n of it are the n a pool or a
 * block of n places keeps. `valueOf` is called once per item.
 */
export function admissionOrder<T>(items: readonly T[], valueOf: (item: T) => ContributionValue): T[] {
  const valued = items.map((item) => ({ item, value: valueOf(item) }));
  const byValue = [...valued].sort((a, b) => compareValue(a.value, b.value));
  const byPlay = valued.filter((v) => takesReserve(v.value)).sort((a, b) => compareLeastPlayed(a.value, b.value));
  const taken = new Set<(typeof valued)[number]>();
  const order: T[] = [];
  let v = 0;
  let p = 0;
  while (order.length < valued.length) {
    let next: (typeof valued)[number] | undefined;
    if (isReservedPlace(order.length)) {
      while (p < byPlay.length && taken.has(byPlay[p]!)) p++;
      next = byPlay[p];
    }
    if (next === undefined) {
      while (taken.has(byValue[v]!)) v++;
      next = byValue[v]!;
    }
    taken.add(next);
    order.push(next.item);
  }
  return order;
}
