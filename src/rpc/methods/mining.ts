/** Mining: what this node's miner is doing, and submitting a solved block (BIP 22's answers). */
import { isVerifyError } from '../../../consensus/errors.ts';
import { bitsToTarget } from '../../../consensus/pow/compact.ts';
import type { Chain } from '../../../chain/chain.ts';
import { RpcServerError } from '../errors.ts';
import type { RpcMethodTable } from './method.ts';
import { bitsHex, difficulty, hex256 } from './views.ts';

/** Blocks over which the network's hash rate is estimated. */
const HASHRATE_WINDOW = 120;

export const miningMethods: RpcMethodTable = {
  getmininginfo: {
    summary: "the current target and this node's miner: threads, hash rate, blocks found",
    params: [],
    result: '{chain, blocks, bits, target, difficulty, networkhashps, pooledtx, mining, threads, mineraddress, hashespersec, blocksfound}',
    run: (_p, node) => {
      const { chain } = node;
      const tip = chain.tip();
      const mining = node.mining();
      return {
        chain: chain.params.network,
        blocks: tip.height,
        bits: bitsHex(tip.header.bits),
        target: hex256(bitsToTarget(tip.header.bits)),
        difficulty: difficulty(chain.params, tip.header.bits),
        networkhashps: networkHashRate(chain),
        pooledtx: node.mempool.size,
        mining: mining?.running ?? false,
        threads: mining?.threads ?? 0,
        mineraddress: mining?.minerAddress ?? null,
        hashespersec: mining ? Math.round(mining.hashRate) : 0,
        blocksfound: mining?.blocksFound ?? 0,
      };
    },
  },

  submitblock: {
    summary: 'submit a solved block (hex); answers as BIP 22: null when it joined the main chain, else why not',
    params: [{ name: 'hexdata', description: 'the encoded block in hex' }],
    result: 'null (accepted on the main chain), "inconclusive" (stored on a side branch), "duplicate", "orphan" (its parent is unknown), or the rule it broke (e.g. "high-hash")',
    run: async (p, node) => {
      const bytes = p.hex('hexdata', node.chain.params.limits.maxBlockBytes);
      try {
        const result = await node.submitBlock(bytes);
        switch (result.status) {
          case 'connected':
          case 'reorganized':
            return null;
          case 'side':
            return 'inconclusive';
          case 'duplicate':
          case 'orphan':
            return result.status;
        }
      } catch (err) {
        if (isVerifyError(err, 'bad-encoding')) throw new RpcServerError('deserialization-error', `block decode failed: ${err.reason}`);
        if (isVerifyError(err)) return err.code;
        throw err;
      }
    },
  },
};

/**
 * Hashes per second the network spent on the last blocks: their work over their time span. The
 * genesis block is left out: its timestamp is when the network was planned, not when it started.
 */
export function networkHashRate(chain: Chain): number {
  const tip = chain.tip();
  const start = chain.getEntryAtHeight(Math.max(1, tip.height - HASHRATE_WINDOW));
  if (!start || start.height >= tip.height) return 0;
  const seconds = tip.header.timestamp - start.header.timestamp;
  if (seconds <= 0) return 0;
  return Math.round(Number(tip.chainwork - start.chainwork) / seconds);
}
