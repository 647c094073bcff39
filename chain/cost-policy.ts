/**
 * What a peer must pay, in proof of work, before the chain spends disk, memory or validation on
 * what it sends. Not consensus: node policy, anchored like Bitcoin Core's anti-DoS rules.
 *
 * - A block is stored only if its branch's cumulative work is at least the tip's minus
 *   `forkWindowBlocks` blocks' worth at the tip's own target. A heavier branch is what fork choice
 *   wants; a slightly lighter one may be a race about to win; a branch far behind (say, forked at
 *   height 0 with blocks at the easiest target) can never win without first gaining that much work,
 *   so storing, validating and relaying it would be free work for every node. Blocks asked for
 *   because a validated header chain with more work leads through them (headers-first sync) skip
 *   the rule, as Bitcoin Core's requested blocks: their headers already paid.
 * - An orphan (parent unknown) cannot show its branch's work, so it must sit within the same
 *   window of heights around the tip and carry a target at most `maxOrphanEase` times easier than
 *   the tip's: a branch behind schedule enough for ASERT to ease its target that much is far
 *   behind in work too.
 * - Markers of invalid blocks that were never stored are capped at `maxInvalidRecords`, the oldest
 *   evicted first; each one also cost a header meeting the target its context requires.
 */
import { VerifyError } from '../consensus/errors.ts';
import type { Header } from '../consensus/types.ts';
import { workFromBits } from '../consensus/pow/work.ts';

export interface CostPolicy {
  /** How many blocks' worth of work (at the tip's target) a stored branch may trail the tip by. */
  readonly forkWindowBlocks: number;
  /** How many times easier than the tip's an orphan's target may be. */
  readonly maxOrphanEase: number;
  /** The most invalid markers kept for blocks that were never stored. */
  readonly maxInvalidRecords: number;
}

/**
 * 144 blocks is 48 minutes at the testnet's 20-second blocks: far deeper than any race between
 * honest miners, far shallower than what an attacker forking from an old block would need.
 */
export const DEFAULT_COST_POLICY: CostPolicy = Object.freeze({ forkWindowBlocks: 144, maxOrphanEase: 16, maxInvalidRecords: 10_000 });

/** The ban score of a block refused for low work: a few are a race, many are a peer feeding junk. */
export const LOW_WORK_SCORE = 10;

interface Tip {
  readonly height: number;
  readonly chainwork: bigint;
  readonly header: Pick<Header, 'bits'>;
}

function lowWork(reason: string): VerifyError {
  return new VerifyError('low-work', reason, LOW_WORK_SCORE, { markInvalid: false });
}

/** Throws 'low-work' when a branch ending with `chainwork` trails the tip by more than the window. */
export function checkForkWork(policy: CostPolicy, chainwork: bigint, tip: Tip): void {
  const floor = tip.chainwork - BigInt(policy.forkWindowBlocks) * workFromBits(tip.header.bits);
  if (chainwork < floor) {
    throw lowWork(`the branch has work ${chainwork}, below the tip's ${tip.chainwork} minus ${policy.forkWindowBlocks} blocks' worth`);
  }
}

/** Throws 'low-work' for an orphan outside the tip's height window or with too easy a target. */
export function checkOrphanWork(policy: CostPolicy, header: Pick<Header, 'height' | 'bits'>, tip: Tip): void {
  if (Math.abs(header.height - tip.height) > policy.forkWindowBlocks) {
    throw lowWork(`orphan at height ${header.height} is more than ${policy.forkWindowBlocks} blocks from the tip at ${tip.height}`);
  }
  if (workFromBits(header.bits) * BigInt(policy.maxOrphanEase) < workFromBits(tip.header.bits)) {
    throw lowWork(`orphan's target is more than ${policy.maxOrphanEase} times easier than the tip's`);
  }
}
