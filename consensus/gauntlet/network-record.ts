/**
 * The network's reward record: what the contributor pool is divided by, kept in the state so that
 * no block's own set of contributions decides it (DESIGN.md §8: no gain from exclusion).
 *
 *   normaliser  F = Σ final^p over every matured rating (played at least maturityGames games), as
 *               of this state. A block divides its weights by N_t = max(F_{t−1}, floor^p, S_t)
 *               (gauntlet/rewards.ts), a figure its producer cannot move: every paid
 *               contributor's own term is already in F_{t−1}, so S_t never exceeds it but for
 *               rounding, and those it leaves out are still counted (their part burns). Updated
 *               by every block that carries contributions, by each of its ratings' change of
 *               final^p; an empty block changes no rating and leaves it as it is.
 *   matured     blocks since the cold start ended (0: the network is still in its cold start, no
 *               contributor's rating has matured). Once it ends it never returns.
 *   paid        base units the Gauntlet has paid contributors over all blocks.
 *
 * Stored as a reserved leaf of the ratings tree, at the all-zero address (no public key hashes to
 * it), so it is hashed into the state root, stored on disk and undone on a reorg exactly as a
 * contributor's rating is: mu holds the normaliser, contributions the matured count, rewards the
 * paid total; sigma and binaryMA are 0. Absent (before the first block) it is the initial record.
 */
import type { Rating, RatingMap } from './state.ts';

export interface NetworkRecord {
  readonly normaliser: number;
  readonly matured: number;
  readonly paid: bigint;
}

/** The ratings key of the record: the hex of 20 zero bytes. */
export const NETWORK_RECORD_KEY = '00'.repeat(20);

export const INITIAL_NETWORK_RECORD: NetworkRecord = Object.freeze({ normaliser: 0, matured: 0, paid: 0n });

/** True for the reserved key: views of contributors skip it. */
export function isNetworkRecordKey(key: string): boolean {
  return key === NETWORK_RECORD_KEY;
}

export function networkRecordOf(ratings: RatingMap): NetworkRecord {
  const r = ratings.get(NETWORK_RECORD_KEY);
  return r === undefined ? INITIAL_NETWORK_RECORD : Object.freeze({ normaliser: r.mu, matured: r.contributions, paid: r.rewards });
}

export function networkRecordAsRating(record: NetworkRecord): Rating {
  return Object.freeze({ mu: record.normaliser, sigma: 0, binaryMA: 0, contributions: record.matured, rewards: record.paid });
}

/** True while no contributor's rating has matured: the cold start (gauntlet/rewards.ts). */
export function inColdStart(record: NetworkRecord): boolean {
  return record.matured === 0;
}

/** N_t = max(F_{t−1}, floor, blockSum), in that order of operations. */
export function blockNormaliser(finalSum: number, floor: number, blockSum: number): number {
  let n = finalSum > floor ? finalSum : floor;
  if (blockSum > n) n = blockSum;
  return n;
}
