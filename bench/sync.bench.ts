/**
 * Sync speed from genesis between two in-process nodes on 127.0.0.1: node A holds a chain (one
 * block in ten carries a transfer), node B starts empty, connects and syncs headers first, then
 * bodies in batches. Reports B's rate next to A's own rate of adding the same blocks (the chain's
 * validation and storage, the ceiling for any sync), for three batch sizes, each the best of three
 * runs (the machine is shared: the best run is the one least disturbed).
 */
import type { Block } from '../consensus/types.ts';
import { encodeBlock } from '../chain/block.ts';
import { BlockTree, hashOf } from '../test/util/block-tree.ts';
import { connect, Harness, sameTip, waitFor } from '../test/util/p2p-harness.ts';

const BLOCKS = 1_000;

function buildChain(tree: BlockTree): Block[] {
  const blocks: Block[] = [];
  let parent = tree.genesis.hash;
  const nonces = new Map<number, bigint>();
  for (let i = 0; i < BLOCKS; i++) {
    const from = i % 4;
    const nonce = nonces.get(from) ?? 0n;
    const txs = i % 10 === 9 ? [tree.pay(from, 4 + from, 1_000n, 10n, nonce)] : [];
    if (txs.length > 0) nonces.set(from, nonce + 1n);
    const block = tree.extend(parent, { txs });
    blocks.push(block);
    parent = hashOf(block);
  }
  return blocks;
}

async function syncOnce(tree: BlockTree, blocks: readonly Block[], batchSize: number): Promise<Record<string, number>> {
  const harness = new Harness();
  try {
    const a = await harness.node(tree, 'source');
    const feedStart = performance.now();
    for (const block of blocks) await a.chain.addBlock(block);
    const feedSeconds = (performance.now() - feedStart) / 1000;
    const b = await harness.node(tree, 'syncing', { sync: { batchSize } });
    const start = performance.now();
    await connect(b, a);
    await waitFor(() => sameTip(a, b), 'sync', 300_000);
    const seconds = (performance.now() - start) / 1000;
    return {
      batchSize,
      addBlockPerSecond: Math.round(blocks.length / feedSeconds),
      syncSeconds: Number(seconds.toFixed(2)),
      syncBlocksPerSecond: Math.round(blocks.length / seconds),
    };
  } finally {
    await harness.close();
  }
}

export default async function run(): Promise<Record<string, unknown>> {
  const tree = new BlockTree();
  const blocks = buildChain(tree);
  const bytes = blocks.reduce((n, b) => n + encodeBlock(b).length, 0);
  const runs = [];
  for (const batchSize of [16, 32, 64]) {
    const tries = [];
    for (let i = 0; i < 3; i++) tries.push(await syncOnce(tree, blocks, batchSize));
    runs.push(tries.reduce((best, t) => (t.syncBlocksPerSecond! > best.syncBlocksPerSecond! ? t : best)));
  }
  return { blocks: BLOCKS, chainBytes: bytes, requestsPerPeer: 2, runs };
}
