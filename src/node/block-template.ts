/**
 * Where the miner's blocks come from. The node asks one function for the block to mine on its tip;
 * the default fills it with the mempool's best transfers. A node that collects contributions
 * (the Gauntlet) passes its own function, which may wait for its collection window first.
 */
import type { Chain } from '../../chain/chain.ts';
import { MAX_TRANSFER_BYTES } from '../../chain/tx.ts';
import type { Block } from '../../consensus/types.ts';
import type { Mempool } from '../mempool/mempool.ts';
import { buildTemplate } from '../miner/template.ts';

export interface TemplateRequest {
  readonly chain: Chain;
  readonly mempool: Mempool;
  /** The address the block pays. */
  readonly miner: Uint8Array;
  /** The node's clock, seconds. */
  readonly now: number;
  /** Aborted when the tip moves or the node stops: the template would be stale. */
  readonly signal: AbortSignal;
}

/** The block to mine on the current tip, or null for "nothing to mine yet". */
export type BlockTemplateSource = (request: TemplateRequest) => Promise<Block | null>;

/** Room left in a block for everything but its transfers (header, list framing, report). */
const BLOCK_OVERHEAD_BYTES = 1024;

/** The default: the mempool's transfers by fee per byte, as many as the block limits allow. */
export const transferTemplate: BlockTemplateSource = async ({ chain, mempool, miner, now }) => {
  const { limits } = chain.params;
  const fit = Math.max(0, Math.floor((limits.maxBlockBytes - BLOCK_OVERHEAD_BYTES) / MAX_TRANSFER_BYTES));
  const candidates = mempool.selectForBlock(Math.min(limits.maxTransfers, fit));
  return buildTemplate(chain.params, chain.tipState(), { miner, now, candidates }).block;
};
