/** Chain queries: the tip, blocks and headers by hash or height, the tips of every branch. */
import type { Chain, ChainEntry } from '../../../chain/chain.ts';
import { decodeBlock } from '../../../chain/block.ts';
import { encodeHeader } from '../../../chain/header.ts';
import { toHex } from '../../../consensus/hash.ts';
import { RpcServerError } from '../errors.ts';
import type { RpcNode } from './context.ts';
import type { RpcMethodTable } from './method.ts';
import type { Params } from './params.ts';
import { bitsHex, blockView, difficulty, headerView, hex256, medianTime } from './views.ts';

const BLOCK_HASH = { name: 'blockhash', description: 'the block hash, 64 hex digits' } as const;

export const chainMethods: RpcMethodTable = {
  getblockchaininfo: {
    summary: 'the state of the chain: network, height, tip, work, sync progress',
    params: [],
    result: '{chain, genesis, blocks, headers, bestblockhash, bits, difficulty, time, mediantime, chainwork, initialblockdownload, verificationprogress, orphans, addressprefix, blocktime}',
    run: (_p, node) => {
      const { chain } = node;
      const tip = chain.tip();
      const sync = node.network?.syncState();
      const target = Math.max(tip.height, sync?.target ?? tip.height);
      return {
        chain: chain.params.network,
        genesis: toHex(chain.genesis().hash),
        blocks: tip.height,
        headers: target,
        bestblockhash: toHex(tip.hash),
        bits: bitsHex(tip.header.bits),
        difficulty: difficulty(chain.params, tip.header.bits),
        time: tip.header.timestamp,
        mediantime: medianTime(chain, tip),
        chainwork: hex256(tip.chainwork),
        initialblockdownload: sync?.syncing ?? false,
        verificationprogress: target === 0 ? 1 : tip.height / target,
        orphans: chain.orphanCount(),
        addressprefix: chain.params.addressPrefix,
        blocktime: chain.params.pow.blockTimeSeconds,
      };
    },
  },

  getblockcount: {
    summary: 'the height of the main chain',
    params: [],
    result: 'the height (the genesis block is 0)',
    run: (_p, node) => node.chain.height(),
  },

  getbestblockhash: {
    summary: 'the hash of the tip of the main chain',
    params: [],
    result: 'a block hash',
    run: (_p, node) => toHex(node.chain.tip().hash),
  },

  getblockhash: {
    summary: 'the hash of the main-chain block at a height',
    params: [{ name: 'height', description: 'from 0 to the tip height' }],
    result: 'a block hash',
    run: (p, node) => {
      const height = p.integer('height', 0, 2 ** 32 - 1);
      const hash = node.chain.getHashAtHeight(height);
      if (!hash) throw new RpcServerError('invalid-parameter', `block height ${height} is out of range (the tip is at ${node.chain.height()})`);
      return toHex(hash);
    },
  },

  getblock: {
    summary: 'a block: hex (verbosity 0), JSON with transfer ids (1) or with every transfer, contribution and report entry (2)',
    params: [BLOCK_HASH, { name: 'verbosity', description: '0, 1 (default) or 2', optional: true }],
    result: 'hex, or the header fields with size, ntx, tx, contributions (and report at verbosity 2)',
    run: async (p, node) => {
      const entry = entryOf(node, p);
      const verbosity = p.verbosity('verbosity', 2, 1);
      const bytes = await node.chain.getBlockBytes(entry.hash);
      if (!bytes) throw new RpcServerError('misc-error', `block ${toHex(entry.hash)} is known but its body is not stored`);
      if (verbosity === 0) return toHex(bytes);
      return blockView(node.chain, entry, decodeBlock(bytes), bytes.length, verbosity === 1 ? 1 : 2);
    },
  },

  getblockheader: {
    summary: 'a block header: JSON (default) or the 240 bytes in hex',
    params: [BLOCK_HASH, { name: 'verbose', description: 'true (default) for JSON, false for hex', optional: true }],
    result: '{hash, confirmations, height, version, time, mediantime, nonce, bits, target, difficulty, chainwork, miner, roots, previousblockhash, nextblockhash} or hex',
    run: (p, node) => {
      const entry = entryOf(node, p);
      return p.boolean('verbose', true) ? headerView(node.chain, entry) : toHex(encodeHeader(entry.header));
    },
  },

  getchaintips: {
    summary: 'the tip of every branch of the block tree',
    params: [],
    result: '[{height, hash, branchlen, status}], status one of active, valid-fork, valid-headers, headers-only, invalid',
    run: (_p, node) => chainTips(node.chain),
  },
};

function entryOf(node: RpcNode, p: Params): ChainEntry {
  const hash = p.hash('blockhash');
  const entry = node.chain.getEntry(hash);
  if (!entry) throw new RpcServerError('invalid-address-or-key', `block ${toHex(hash)} not found`);
  return entry;
}

function chainTips(chain: Chain): unknown[] {
  return chain
    .getChainTips()
    .sort((a, b) => b.height - a.height)
    .map((t) => ({ height: t.height, hash: toHex(t.hash), branchlen: t.branchLength, status: t.status }));
}
