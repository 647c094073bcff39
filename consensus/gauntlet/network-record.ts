/**
 * The network's reward record: what the contributor pool is divided by, kept in the state so that
 * no block's own set of contributions decides it (DESIGN.md §8: no gain from exclusion).
 *
 *   normaliser  N_t = max(S_t, (1 − decay)·N_{t−1}, floor^p), where S_t = Σ final^p over the
 *               block's paid contributions (gauntlet/rewards.ts), updated by every block that
 *               carries contributions (an empty block changes no rating, so mining empty blocks
 *               cannot wear it down). A weight is final^p / N_t, so
 *               the weights never sum past 1; a block that leaves contributors out has a smaller
 *               S_t but the same N_t (the one before it, decayed), and the part it did not pay burns.
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

/** N_t = max(blockSum, (1 − decay)·N_{t−1}, floor), in that order of operations. */
export function nextNormaliser(previous: number, blockSum: number, decay: number, floor: number): number {
  const decayed = (1 - decay) * previous;
  let n = blockSum > decayed ? blockSum : decayed;
  if (floor > n) n = floor;
  return n;
}
