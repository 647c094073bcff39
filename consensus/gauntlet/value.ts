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
 * One place in every RESERVE_EVERY (the 4th, 8th, …: ⌊n/4⌋ of any first n) is reserved for the
 * least-played, and goes by value only when nobody is left for it. The reserved places alternate:
 *
 *   newcomer places (the 4th, 12th, 20th, …): fewest games first, so fresh keys first, by stamp
 *      work then id (compareLeastPlayed). By value alone a fresh key only gets in below every rated
 *      contributor with a positive ordinal, and a swarm of lucky junk addresses keeps them all out.
 *   rated places (the 8th, 16th, …): the same order among rated contributors without a final
 *      (played at least one game): one whose first shares scored ≤ 0 has lost games to the
 *      baseline, ranks below every fresh key (ordinal 0) and, by value alone, is never let in
 *      again to win them back; here the fresh keys of spam, which never have a game, cannot
 *      take its place.
 *
 * The reserve takes turns among the contributors that have not proven themselves, so each keeps
 * being played; proven contributors keep the other three places in four. A fresh key costs a
 * stamp and never earns before it has played maturityGames games, so spam gains nothing from the
 * newcomer places; a rated address without a final has had to win a place for each game it played.
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

/** Whether a contribution may take a rated place: its contributor is rated (≥ 1 game) and has no final. */
export function takesReserve(v: ContributionValue): boolean {
  return v.games >= 1 && !(v.final > 0);
}

/** Whether a contribution may take a newcomer place: its contributor has no final (fresh keys included). */
export function takesNewcomerPlace(v: ContributionValue): boolean {
  return !(v.final > 0);
}

/** Negative when `a` goes before `b` for a reserved place: fewer games, then more stamp work, then id. */
export function compareLeastPlayed(a: ContributionValue, b: ContributionValue): number {
  if (a.games !== b.games) return a.games - b.games;
  return compareWorkThenId(a, b);
}

export type PlaceKind = 'value' | 'newcomer' | 'rated';

/** What the k-th place (0-based) of the admission order is reserved for, if anything. */
export function placeKind(k: number): PlaceKind {
  if ((k + 1) % RESERVE_EVERY !== 0) return 'value';
  return (k + 1) % (2 * RESERVE_EVERY) === RESERVE_EVERY ? 'newcomer' : 'rated';
}

/** Whether the k-th place (0-based) of the admission order is a reserved one. */
export function isReservedPlace(k: number): boolean {
  return placeKind(k) !== 'value';
}

/**
 * The items in admission order (see the file comment): any first n of it are the n a pool or a
 * block of n places keeps. `valueOf` is called once per item.
 */
export function admissionOrder<T>(items: readonly T[], valueOf: (item: T) => ContributionValue): T[] {
  type Valued = { readonly item: T; readonly value: ContributionValue };
  const valued: Valued[] = items.map((item) => ({ item, value: valueOf(item) }));
  const taken = new Set<Valued>();
  /** The first of a sorted list not yet taken, moving its cursor past those taken. */
  const queue = (sorted: Valued[]): (() => Valued | undefined) => {
    let at = 0;
    return () => {
      while (at < sorted.length && taken.has(sorted[at]!)) at++;
      return sorted[at];
    };
  };
  const byValue = queue([...valued].sort((a, b) => compareValue(a.value, b.value)));
  const newcomers = queue(valued.filter((v) => takesNewcomerPlace(v.value)).sort((a, b) => compareLeastPlayed(a.value, b.value)));
  const rated = queue(valued.filter((v) => takesReserve(v.value)).sort((a, b) => compareLeastPlayed(a.value, b.value)));
  const order: T[] = [];
  while (order.length < valued.length) {
    const kind = placeKind(order.length);
    const next = (kind === 'newcomer' ? newcomers() : kind === 'rated' ? rated() : undefined) ?? byValue()!;
    taken.add(next);
    order.push(next.item);
  }
  return order;
}
