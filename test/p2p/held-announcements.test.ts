/**
 * A transfer announced while no peer subscribes to the topic (a node just started, a wallet sent
 * at once) is held, not lost: gossipsub would remember a message published to nobody and never
 * send it again. Once a peer joins, the transfer reaches its mempool.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { transferId } from '../../consensus/ids.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { BlockTree } from '../util/block-tree.ts';
import { connect, nodeWithMempool, Harness, waitFor, type TestNode } from '../util/p2p-harness.ts';

const harness = new Harness();
after(() => harness.close());
const tree = new BlockTree();

test('a transfer announced before any peer subscribes is delivered once one does', { timeout: 60_000 }, async () => {
  const pools = new Map<string, Mempool>();
  const withPool = (name: string): Promise<TestNode> => nodeWithMempool(harness, tree, name, pools);
  const a = await withPool('a');
  const tx = tree.pay(0, 3, 5n * 100_000_000n, 10_000n, 0n);
  pools.get('a')!.add(tx);
  // Nobody listens yet: nothing is sent, and the message waits.
  assert.equal(await a.net.announceTransfer(tx), 0);
  assert.equal(a.net.heldAnnouncements(), 1);

  const b = await withPool('b');
  await connect(a, b);
  await waitFor(() => pools.get('b')!.has(transferId(tx)), "the held transfer in b's mempool", 30_000);
  // The pool exchange on connect may bring it first; the held message still goes out by gossip
  // once b subscribes (b then ignores it as a duplicate).
  await waitFor(() => a.net.heldAnnouncements() === 0, 'the held message sent', 30_000);
  await waitFor(() => b.net.counters().gossip.received.txs >= 1, 'the transfer received by gossip', 30_000);
});
