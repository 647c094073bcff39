/**
 * The contribution pool: signed pseudo-gradients waiting for the next block, as the mempool is for
 * transfers. A block may only carry contributions built on its parent, so the pool holds those
 * for the current tip and nothing else; each passed the Gauntlet's filters
 * (consensus/gauntlet/filters.ts: network, payload size, payload decoding, signature), so a miner
 * can put them in a block as they are.
 *
 * Policy (not consensus):
 * - One per contributor, and the first one wins. A later, different contribution from the same
 *   contributor is ignored, never swapped in: a replacement would let a contributor wait, read the
 *   others' payloads off the network and resubmit a copy or a tuned variant.
 * - Copies are held: two contributors with the same payload are both kept, so both are judged and
 *   the Gauntlet's own-pages indicator pays the author, whichever copy arrived first (a
 *   first-seen rule would pay the fastest re-signer).
 * - Every contribution carries a work stamp (consensus/gauntlet/stamp.ts), checked with one hash
 *   before anything is decoded, so junk costs its sender a stamp each.
 * - Bounded by count and bytes; when full, the last of the admission order goes
 *   (consensus/gauntlet/value.ts: by the contributor's final score, its ordinal, then the stamp's
 *   work, with one place in four reserved for the least-played rated contributors without a
 *   final), and a newcomer that would itself be last is ignored. Arrival order decides nothing, so
 *   fresh keys filling the pool early cannot shut out rated contributors who need seconds to train,
 *   nor shut out for good one whose first shares scored badly.
 * - Contributions for another parent wait in a small buffer (they may be for a block we have not
 *   received yet, which is normal gossip racing), bounded by count and by bytes, oldest evicted
 *   first; when the tip moves, the pool is emptied and the waiting ones built on the new tip join
 *   it. Those for old parents (stale) never do.
 *
 * Results are typed for gossip validation: 'accept' (keep and relay), 'ignore' (drop without
 * blame: duplicates, wrong parent, full pool — all depend on this node's state) and 'reject'
 * (invalid whatever the state: another network, an oversized or undecodable payload, too little
 * stamp work, a bad signature), with `penalise` saying whether the sender should pay for it.
 */
import type { ChainParams } from '../../consensus/params.ts';
import type { Contribution } from '../../consensus/types.ts';
import type { VerifyCode } from '../../consensus/errors.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { bytesEqual, toHexKey } from '../../consensus/bytes.ts';
import { contributionId } from '../../consensus/ids.ts';
import { checkContributionSignature, contributorAddress, decodeContributionPayload } from '../../consensus/gauntlet/filters.ts';
import { checkStamp } from '../../consensus/gauntlet/stamp.ts';
import type { RatingMap } from '../../consensus/gauntlet/state.ts';
import { admissionOrder, contributionValue } from '../../consensus/gauntlet/value.ts';
import { decodeContribution, encodeContribution } from '../../chain/contribution.ts';
import { DecodeError } from '../../chain/errors.ts';
import type { NetworkContributions, Verdict } from '../p2p/seams.ts';

export interface PoolLimits {
  /** Contributions held for the tip (default 2 × the genesis' maxContributions). */
  readonly maxCount: number;
  /** Their encoded bytes in all (default maxCount × (maxPayloadBytes + 256)). */
  readonly maxBytes: number;
  /** Contributions held for parents other than the tip, oldest evicted first (default 64). */
  readonly maxWaiting: number;
  /** Their encoded bytes in all (default 16 × (maxPayloadBytes + 256)). */
  readonly maxWaitingBytes: number;
}

export interface PoolOptions extends Partial<PoolLimits> {
  /** The tip's ratings, which rank contributions when the pool is full (a Chain's ratings()); none: all are new. */
  readonly ratings?: () => RatingMap;
}

export type IgnoreReason = 'duplicate' | 'contributor-has-one' | 'not-for-tip' | 'pool-full';

export type PoolResult =
  | { readonly status: 'accept'; readonly id: string }
  | { readonly status: 'ignore'; readonly reason: IgnoreReason; readonly detail: string }
  | { readonly status: 'reject'; readonly code: VerifyCode | 'bad-encoding'; readonly reason: string; readonly penalise: boolean };

interface Held {
  readonly contribution: Contribution;
  readonly id: string;
  readonly address: string;
  readonly size: number;
}

/** What the pool needs to follow a chain: its tip events (chain/chain.ts's Chain fits). */
export interface TipSource {
  on(event: 'tip', listener: (change: { readonly to: { readonly hash: Uint8Array } }) => void): unknown;
  off(event: 'tip', listener: (change: { readonly to: { readonly hash: Uint8Array } }) => void): unknown;
}

export class ContributionPool implements NetworkContributions {
  readonly params: ChainParams;
  readonly limits: PoolLimits;
  #tip: Uint8Array;
  /** For the tip, keyed by contributor address. */
  readonly #held = new Map<string, Held>();
  #bytes = 0;
  #ratings: () => RatingMap;
  /** For other parents, in arrival order, keyed by contribution id. */
  readonly #waiting = new Map<string, Held>();
  #waitingBytes = 0;

  constructor(params: ChainParams, tip: Uint8Array, limits: PoolOptions = {}) {
    this.params = params;
    const noRatings: RatingMap = new Map();
    this.#ratings = limits.ratings ?? (() => noRatings);
    const maxCount = limits.maxCount ?? 2 * params.gauntlet.maxContributions;
    this.limits = Object.freeze({
      maxCount,
      maxBytes: limits.maxBytes ?? maxCount * (params.gauntlet.maxPayloadBytes + 256),
      maxWaiting: limits.maxWaiting ?? 64,
      maxWaitingBytes: limits.maxWaitingBytes ?? 16 * (params.gauntlet.maxPayloadBytes + 256),
    });
    this.#tip = tip;
  }

  get tip(): Uint8Array {
    return this.#tip;
  }

  /** Contributions held for the tip. */
  get size(): number {
    return this.#held.size;
  }

  /** Their encoded bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Contributions held for other parents. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Their encoded bytes. */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  /** The contributions a block on `parentHash` may carry, most valuable first ([] unless it is the tip). */
  contributionsFor(parentHash: Uint8Array): Contribution[] {
    if (!bytesEqual(parentHash, this.#tip)) return [];
    return this.#ranked().map((held) => held.contribution);
  }

  /** The network's hook: encoded contributions for the tip, in arrival order, at most `max`. */
  pooled(max: number): Uint8Array[] {
    return [...this.#held.values()].slice(0, max).map((h) => encodeContribution(h.contribution));
  }

  /** The contribution held for the tip from `address`, if any. */
  get(address: Uint8Array): Contribution | undefined {
    return this.#held.get(toHexKey(address))?.contribution;
  }

  /** Checks and keeps a contribution (see the file comment for the policy). */
  add(contribution: Contribution, bytes?: Uint8Array): PoolResult {
    const size = bytes?.length ?? encodeContribution(contribution).length;
    try {
      return this.#add(contribution, size);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      return { status: 'reject', code: err.code, reason: err.reason, penalise: true };
    }
  }

  /** The same from the wire encoding; undecodable bytes are rejected. */
  addBytes(bytes: Uint8Array): PoolResult {
    let contribution: Contribution;
    try {
      contribution = decodeContribution(bytes);
    } catch (err) {
      if (err instanceof DecodeError) return { status: 'reject', code: 'bad-encoding', reason: err.message, penalise: true };
      throw err;
    }
    return this.add(contribution, bytes);
  }

  /** The network's hook (src/p2p/seams.ts). */
  addContribution(contribution: Contribution, bytes: Uint8Array): Verdict {
    const result = this.add(contribution, bytes);
    if (result.status === 'reject') return result.penalise ? 'reject' : 'ignore';
    return result.status;
  }

  /**
   * The chain moved to `hash`: everything held was built on the old tip and goes; contributions
   * waiting for `hash` join the pool, in their arrival order, within the limits.
   */
  setTip(hash: Uint8Array): void {
    if (bytesEqual(hash, this.#tip)) return;
    this.#tip = hash;
    this.#held.clear();
    this.#bytes = 0;
    for (const [id, held] of this.#waiting) {
      if (!bytesEqual(held.contribution.parentHash, hash)) continue;
      this.#waiting.delete(id);
      this.#waitingBytes -= held.size;
      if (this.#held.has(held.address) || !this.#makeRoom(held)) continue;
      this.#keep(held);
    }
  }

  /** Where the tip's ratings come from, when the chain is known only after the pool (a node's start). */
  useRatings(ratings: () => RatingMap): void {
    this.#ratings = ratings;
  }

  /** Follows a chain's tip events; returns the function that stops following. */
  follow(chain: TipSource): () => void {
    const listener = (change: { readonly to: { readonly hash: Uint8Array } }): void => this.setTip(change.to.hash);
    chain.on('tip', listener);
    return () => void chain.off('tip', listener);
  }

  #add(contribution: Contribution, size: number): PoolResult {
    const { params } = this;
    // Cheap and stateless first: network and size.
    if (!bytesEqual(contribution.chainId, params.chainId)) {
      return { status: 'reject', code: 'bad-contrib-chainid', reason: 'the contribution is signed for another network', penalise: true };
    }
    if (contribution.payload.length > params.gauntlet.maxPayloadBytes) {
      return {
        status: 'reject',
        code: 'bad-contrib-size',
        reason: `a ${contribution.payload.length}-byte payload, the limit is ${params.gauntlet.maxPayloadBytes}`,
        penalise: true,
      };
    }
    // One hash: a stamp with too little work is rejected before anything costly.
    checkStamp(params.gauntlet.stampBits, contribution);
    const id = toHexKey(contributionId(contribution));
    const address = toHexKey(contributorAddress(contribution));
    const forTip = bytesEqual(contribution.parentHash, this.#tip);
    // Then what depends on the pool, before any decoding or signature check is paid for.
    if (forTip) {
      const existing = this.#held.get(address);
      if (existing) {
        return existing.id === id
          ? { status: 'ignore', reason: 'duplicate', detail: `contribution ${id} is already held` }
          : { status: 'ignore', reason: 'contributor-has-one', detail: `contributor ${address} already has a contribution for this tip` };
      }
      if (this.#full(size) && !this.#worthMoreThanWorst(contribution)) {
        return { status: 'ignore', reason: 'pool-full', detail: `the pool holds ${this.size} contributions, ${this.#bytes} bytes, all worth at least as much` };
      }
    } else if (this.#waiting.has(id)) {
      return { status: 'ignore', reason: 'duplicate', detail: `contribution ${id} is already waiting` };
    }
    decodeContributionPayload(params, contribution);
    checkContributionSignature(contribution);
    const held: Held = { contribution, id, address, size };
    if (!forTip) {
      this.#wait(held);
      return { status: 'ignore', reason: 'not-for-tip', detail: 'the contribution was built on another block than the tip' };
    }
    if (!this.#makeRoom(held)) return { status: 'ignore', reason: 'pool-full', detail: `the pool holds ${this.size} contributions, ${this.#bytes} bytes` };
    this.#keep(held);
    return { status: 'accept', id };
  }

  /** The held contributions, and `extra` when given, in admission order (first kept, last evicted). */
  #ranked(extra?: Held): Held[] {
    const ratings = this.#ratings();
    const candidates = [...this.#held.values()];
    if (extra !== undefined) candidates.push(extra);
    return admissionOrder(candidates, (held) => contributionValue(ratings, held.contribution));
  }

  #worthMoreThanWorst(contribution: Contribution): boolean {
    if (this.#held.size === 0) return false;
    const candidate: Held = { contribution, id: toHexKey(contributionId(contribution)), address: toHexKey(contributorAddress(contribution)), size: 0 };
    return this.#ranked(candidate).at(-1) !== candidate;
  }

  /** Evicts the last of the admission order until `held` fits, unless `held` itself is last; false then. */
  #makeRoom(held: Held): boolean {
    if (held.size > this.limits.maxBytes || this.limits.maxCount === 0) return false;
    while (this.#full(held.size)) {
      const last = this.#ranked(held).at(-1);
      if (last === undefined || last === held) return false;
      this.#held.delete(last.address);
      this.#bytes -= last.size;
    }
    return true;
  }

  #full(size: number): boolean {
    return this.#held.size >= this.limits.maxCount || this.#bytes + size > this.limits.maxBytes;
  }

  #keep(held: Held): void {
    this.#held.set(held.address, held);
    this.#bytes += held.size;
  }

  #wait(held: Held): void {
    if (this.limits.maxWaiting === 0 || held.size > this.limits.maxWaitingBytes) return;
    while (this.#waiting.size >= this.limits.maxWaiting || this.#waitingBytes + held.size > this.limits.maxWaitingBytes) {
      const oldest = this.#waiting.values().next().value;
      if (oldest === undefined) break;
      this.#waiting.delete(oldest.id);
      this.#waitingBytes -= oldest.size;
    }
    this.#waiting.set(held.id, held);
    this.#waitingBytes += held.size;
  }
}
