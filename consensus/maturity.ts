/**
 * Reward maturity (Bitcoin's coinbase maturity): what a block earns — its miner's share of the
 * subsidy plus its fees, and every contributor's reward in its report — enters the balances only
 * when block h + M is connected, M = the genesis' rewards.maturity. A reorganisation shallower than
 * M can then never take away a reward that was already spent.
 *
 * No new state is needed: the block at height h credits the rewards earned at height h − M, which
 * the caller reads from its chain (earnedRewards of that block, which was verified when connected).
 * A genesis without the field (maturity 0) credits every reward in its own block.
 */
import type { ChainParams } from './params.ts';
import type { Block } from './types.ts';
import { splitReward, subsidy as subsidyAt } from './subsidy.ts';

/** One payee of a block's rewards. */
export interface Earning {
  readonly address: Uint8Array; // 20
  readonly amount: bigint;
}

/** What a block earned, to be credited M blocks later. */
export interface EarnedRewards {
  /** The height of the block that earned them. */
  readonly height: number;
  readonly miner: Earning;
  /** The contributors' rewards in report order (zero rewards included). */
  readonly contributors: readonly Earning[];
}

/** The genesis' maturity; 0 when the genesis predates the rule. */
export function rewardMaturity(params: ChainParams): number {
  return params.rewards.maturity ?? 0;
}

/** The height whose rewards the block at `height` credits, or null when there is none (genesis earns nothing). */
export function maturingHeight(params: ChainParams, height: number): number | null {
  const maturity = rewardMaturity(params);
  if (maturity === 0) return null;
  const earnedAt = height - maturity;
  return earnedAt >= 1 ? earnedAt : null;
}

/** The first height at which the rewards earned at `height` can be spent. */
export function spendableFrom(params: ChainParams, height: number): number {
  return height + rewardMaturity(params);
}

/** The rewards `block` earned, recomputed from the block alone (its fees, subsidy and report). */
export function earnedRewards(params: ChainParams, block: Block): EarnedRewards {
  const { height, minerAddress } = block.header;
  let fees = 0n;
  for (const tx of block.txs) fees += tx.fee;
  const split = splitReward(subsidyAt(height, params.rewards), params.rewards.minerShareBps);
  return Object.freeze({
    height,
    miner: Object.freeze({ address: minerAddress, amount: split.miner + fees }),
    contributors: Object.freeze(block.report.map((e) => Object.freeze({ address: e.contributor, amount: e.reward }))),
  });
}

/** The total of everything a block earned. */
export function totalEarned(rewards: EarnedRewards): bigint {
  return rewards.contributors.reduce((sum, c) => sum + c.amount, rewards.miner.amount);
}

/**
 * Checks that the caller handed the block at `height` the rewards it must credit: those earned at
 * maturingHeight, or none. A mismatch is the caller's bug, not the block's fault: a plain Error.
 */
export function checkMaturing(params: ChainParams, height: number, maturing: EarnedRewards | null | undefined): EarnedRewards | null {
  const expected = maturingHeight(params, height);
  const given = maturing ?? null;
  if (expected === null) {
    if (given !== null) throw new Error(`block ${height} credits no matured rewards, but rewards of block ${given.height} were given`);
    return null;
  }
  if (given === null || given.height !== expected) {
    throw new Error(`block ${height} credits the rewards earned at height ${expected}; ${given === null ? 'none were given' : `those of ${given.height} were given`}`);
  }
  return given;
}
