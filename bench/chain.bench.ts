/**
 * Chain throughput: connecting a block of 1,000 transfers (signature checks included, with the
 * split between stateless rules, the state transition and the rest), a reorganisation of depth 10,
 * and empty blocks per second. On a fresh LevelDB datadir in the temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block, Transfer } from '../consensus/types.ts';
import { checkBlockBody } from '../consensus/block-rules.ts';
import { applyBlock } from '../consensus/state-transition.ts';
import { toHexKey } from '../consensus/bytes.ts';
import { encodeBlock } from '../chain/block.ts';
import { BlockTree, hashOf, openTestChain } from '../test/util/block-tree.ts';

const TRANSFERS = 1_000;
const REORG_DEPTH = 10;
const EMPTY_BLOCKS = 300;

function ms(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

/** TRANSFERS transfers from the four funded keys, each sender's nonces in order. */
function transfers(tree: BlockTree, parent: Uint8Array): Transfer[] {
  const accounts = tree.accountsAt(parent);
  const out: Transfer[] = [];
  for (let i = 0; i < TRANSFERS; i++) {
    const from = i % 4;
    const nonce = (accounts.get(toHexKey(tree.keys[from]!.address))?.nonce ?? 0n) + BigInt(Math.floor(i / 4));
    out.push(tree.pay(from, 4 + (i % 3), 1_000n + BigInt(i), 1n, nonce));
  }
  return out;
}

export default async (): Promise<Record<string, unknown>> => {
  const root = mkdtempSync(join(tmpdir(), 'gc-chain-bench-'));
  try {
    const tree = new BlockTree();

    // 1. A block of 1,000 transfers.
    let start = performance.now();
    const big = tree.extend(tree.genesis.hash, { txs: transfers(tree, tree.genesis.hash) });
    const buildMs = ms(start);
    const bytes = encodeBlock(big).length;
    start = performance.now();
    checkBlockBody(tree.params, big, bytes);
    const stateless = ms(start);
    start = performance.now();
    applyBlock(tree.params, tree.genesis.accounts, big, tree.genesis.block.header.modelHash);
    const stateful = ms(start);
    const chain = await openTestChain(tree, join(root, 'big'));
    start = performance.now();
    const status = (await chain.addBlock(big)).status;
    const connect = ms(start);
    await chain.close();
    if (status !== 'connected') throw new Error(`the 1,000-transfer block was ${status}`);

    // 2. A reorganisation of depth 10 (ten transfers per block on both branches).
    const reorgChain = await openTestChain(tree, join(root, 'reorg'));
    const perBlock = (parent: Uint8Array, salt: number): Transfer[] => {
      const accounts = tree.accountsAt(parent);
      return Array.from({ length: 10 }, (_, i) => {
        const from = i % 4;
        const nonce = (accounts.get(toHexKey(tree.keys[from]!.address))?.nonce ?? 0n) + BigInt(Math.floor(i / 4));
        return tree.pay(from, 4 + ((i + salt) % 3), 10n + BigInt(i), 1n, nonce);
      });
    };
    const grow = (parent: Uint8Array, n: number, salt: number): Block[] => {
      const out: Block[] = [];
      for (let i = 0, at = parent; i < n; i++) {
        const block = tree.extend(at, { txs: perBlock(at, salt) });
        out.push(block);
        at = hashOf(block);
      }
      return out;
    };
    const main = grow(tree.genesis.hash, REORG_DEPTH, 0);
    const fork = grow(tree.genesis.hash, REORG_DEPTH + 1, 1);
    for (const block of [...main, ...fork.slice(0, REORG_DEPTH)]) await reorgChain.addBlock(block);
    start = performance.now();
    const reorgStatus = (await reorgChain.addBlock(fork[REORG_DEPTH]!)).status;
    const reorg = ms(start);
    await reorgChain.close();
    if (reorgStatus !== 'reorganized') throw new Error(`the depth-${REORG_DEPTH} fork was ${reorgStatus}`);

    // 3. Empty blocks.
    const empty = tree.branch(tree.genesis.hash, EMPTY_BLOCKS, { txs: [] });
    const emptyChain = await openTestChain(tree, join(root, 'empty'));
    start = performance.now();
    for (const block of empty) await emptyChain.addBlock(block);
    const emptyMs = ms(start);
    await emptyChain.close();

    return {
      block1000: {
        transfers: TRANSFERS,
        bytes,
        connectMs: connect,
        statelessRulesMs: stateless,
        stateTransitionMs: stateful,
        buildMsNotCounted: buildMs,
      },
      reorgDepth10: { disconnected: REORG_DEPTH, connected: REORG_DEPTH + 1, transfersPerBlock: 10, ms: reorg },
      emptyBlocks: { blocks: EMPTY_BLOCKS, ms: emptyMs, blocksPerSecond: Math.round((EMPTY_BLOCKS / emptyMs) * 1000) },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};
