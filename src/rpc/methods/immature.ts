/**
 * An address's immature rewards: what the last `maturity` main-chain blocks earned it (mined or
 * contributed), which the balance does not hold yet (consensus/maturity.ts). Read from the blocks
 * themselves, walking the tip's ancestry by parent hash so a reorganisation cannot mix branches.
 */
import type { Chain } from '../../../chain/chain.ts';
import { bytesEqual } from '../../../consensus/bytes.ts';
import { toHex } from '../../../consensus/hash.ts';
import { earnedRewards, rewardMaturity, spendableFrom } from '../../../consensus/maturity.ts';
import { RpcServerError } from '../errors.ts';

export interface ImmatureReward {
  /** The block that earned it. */
  readonly height: number;
  readonly amount: bigint;
  /** The height of the block that credits it: spendable by transfers in that block and later. */
  readonly spendableAt: number;
}

/** Oldest first; empty with maturity 0. */
export async function immatureRewards(chain: Chain, address: Uint8Array): Promise<ImmatureReward[]> {
  const maturity = rewardMaturity(chain.params);
  const out: ImmatureReward[] = [];
  let entry = chain.tip();
  for (let seen = 0; seen < maturity && entry.height > 0; seen++) {
    const block = await chain.getBlock(entry.hash);
    if (!block) throw new RpcServerError('internal-error', `block ${toHex(entry.hash)} is on the chain but its body is not stored`);
    const earned = earnedRewards(chain.params, block);
    let amount = 0n;
    if (bytesEqual(earned.miner.address, address)) amount += earned.miner.amount;
    for (const c of earned.contributors) if (bytesEqual(c.address, address)) amount += c.amount;
    if (amount > 0n) out.push({ height: entry.height, amount, spendableAt: spendableFrom(chain.params, entry.height) });
    const parent = chain.getEntry(entry.header.parentHash);
    if (!parent) throw new RpcServerError('internal-error', `block ${toHex(entry.hash)} has no stored parent`);
    entry = parent;
  }
  return out.reverse();
}
