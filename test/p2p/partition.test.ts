import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../consensus/hash.ts';
import { computeStateRoot } from '../../consensus/state-transition.ts';
import type { Block } from '../../consensus/types.ts';
import { BlockTree, hashOf } from '../util/block-tree.ts';
import { connect, Harness, sameTip, waitFor, type TestNode } from '../util/p2p-harness.ts';

const harness = new Harness();
after(() => harness.close());

/** Each block is added at `miner` and gossiped, as a miner would; the rest of its group follows. */
async function mine(miner: TestNode, group: readonly TestNode[], blocks: readonly Block[]): Promise<void> {
  for (const block of blocks) {
    await miner.chain.addBlock(block);
    await miner.net.announceBlock(block);
    await waitFor(() => group.every((n) => sameTip(miner, n)), `${miner.name}'s block ${block.header.height} across its group`);
  }
}

function summary(node: TestNode): string {
  const tip = node.chain.tip();
  return `${node.name}@${tip.height}:${toHex(tip.hash).slice(0, 12)}:${toHex(computeStateRoot(node.chain.accounts())).slice(0, 12)}`;
}

async function subscribed(nodes: readonly TestNode[]): Promise<void> {
  for (const node of nodes) {
    await waitFor(() => node.net.node.services.pubsub.getSubscribers(node.net.names.topics.blocks).length > 0, `${node.name} has a mesh`);
  }
}

test('two groups mine apart, reconnect through one link, and all converge to the heaviest tip', { timeout: 90_000 }, async () => {
  const tree = new BlockTree();
  const shared = tree.branch(tree.genesis.hash, 3);
  const [a, b, c, d, e] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => harness.node(tree, n)));
  const west = [a!, b!];
  const east = [c!, d!, e!];
  await connect(a!, b!);
  await connect(c!, d!);
  await connect(d!, e!);
  await subscribed([...west, ...east]);

  // Before the split everyone has the same three blocks (fed apart: the groups are not linked yet).
  await mine(a!, west, shared);
  await mine(c!, east, shared);
  assert.equal(summary(a!).split(':')[1], summary(e!).split(':')[1]);

  // West mines 4 blocks with a transfer; east mines 7 with another: east has more work.
  const westBlocks = [
    tree.extend(hashOf(shared[2]!), { miner: tree.keys[1]!.address, txs: [tree.pay(0, 4, 500n, 1n, 0n)] }),
  ];
  for (let i = 1; i < 4; i++) westBlocks.push(tree.extend(hashOf(westBlocks[i - 1]!), { miner: tree.keys[1]!.address }));
  const eastBlocks = [tree.extend(hashOf(shared[2]!), { miner: tree.keys[2]!.address, txs: [tree.pay(1, 5, 900n, 2n, 0n)] })];
  for (let i = 1; i < 7; i++) eastBlocks.push(tree.extend(hashOf(eastBlocks[i - 1]!), { miner: tree.keys[2]!.address }));
  await mine(b!, west, westBlocks);
  await mine(e!, east, eastBlocks);
  assert.equal(a!.chain.height(), 7);
  assert.equal(c!.chain.height(), 10);
  assert.notEqual(summary(a!).split(':')[1], summary(c!).split(':')[1]);

  // One link heals the partition: b (west) and c (east).
  const reorgs: string[] = [];
  for (const node of west) node.chain.on('reorg', () => reorgs.push(node.name));
  await connect(b!, c!);
  const all = [...west, ...east];
  await waitFor(() => all.every((n) => sameTip(c!, n)), `convergence (${all.map(summary).join(' ')})`);
  const states = new Set(all.map((n) => summary(n).split(':').slice(1).join(':')));
  assert.equal(states.size, 1, all.map(summary).join(' '));
  assert.equal(a!.chain.height(), 10);
  assert.deepEqual(reorgs.sort(), ['a', 'b']);
  // West's transfer is gone with its branch; east's is in every state.
  assert.equal(a!.chain.getAccount(tree.keys[4]!.address).balance, 0n);
  assert.equal(a!.chain.getAccount(tree.keys[5]!.address).balance, 900n);
  // West's blocks are kept as a side branch, not lost.
  assert.ok(a!.chain.getEntry(hashOf(westBlocks[3]!)));
  assert.equal(a!.chain.isMainChain(hashOf(westBlocks[3]!)), false);
  for (const node of all) assert.equal(node.net.counters().bans, 0, `${node.name} banned nobody`);

  // The healed network keeps following one tip: west mines next, east follows.
  const next = tree.extend(hashOf(eastBlocks[6]!), { miner: tree.keys[1]!.address });
  await mine(a!, all, [next]);
  assert.equal(new Set(all.map((n) => toHex(n.chain.tip().hash))).size, 1);
});
