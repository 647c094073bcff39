import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { toHex } from '../../consensus/hash.ts';
import { encodeBlock } from '../../chain/block.ts';
import { transferId } from '../../consensus/ids.ts';
import { computeStateRoot } from '../../consensus/state-transition.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { BlockTree, hashOf } from '../util/block-tree.ts';
import { connect, nodeWithMempool, feed, Harness, sameTip, waitFor, type TestNode } from '../util/p2p-harness.ts';

const harness = new Harness();
after(() => harness.close());

const tree = new BlockTree();

/** A logger whose lines the test can read. */
function capturedLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push((JSON.parse(line) as { msg: string }).msg);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

function stateRootOf(node: TestNode): string {
  return toHex(computeStateRoot(node.chain.accounts()));
}

test('blocks, transfers and a late node: three nodes in a line, then a fourth that syncs 200 blocks from genesis', { timeout: 90_000 }, async () => {
  const pools = new Map<string, Mempool>();
  const withPool = (name: string): Promise<TestNode> => nodeWithMempool(harness, tree, name, pools);
  const a = await withPool('a');
  const b = await withPool('b');
  const c = await withPool('c');
  // A line: what A says reaches C only if B validates and relays it.
  await connect(a, b);
  await connect(b, c);
  assert.equal(c.net.readyPeers().includes(a.net.peerId), false);

  // A block mined at A.
  const [first] = tree.branch(tree.genesis.hash, 1);
  await feed(a, [first!]);
  await waitFor(() => b.net.node.services.pubsub.getSubscribers(a.net.names.topics.blocks).length > 0, 'b subscribed at a');
  await waitFor(() => c.net.node.services.pubsub.getSubscribers(b.net.names.topics.blocks).length > 0, 'c subscribed at b');
  assert.ok((await a.net.announceBlock(first!)) >= 1);
  await waitFor(() => sameTip(a, c) && sameTip(a, b), 'the block at b and c');
  assert.equal(c.chain.height(), 1);

  // A transfer created at A reaches C's mempool through B's.
  const tx = tree.pay(0, 3, 7n * 100_000_000n, 10_000n, 0n);
  pools.get('a')!.add(tx);
  assert.ok((await a.net.announceTransfer(tx)) >= 1);
  await waitFor(() => pools.get('c')!.has(transferId(tx)), 'the transfer in c\'s mempool');
  assert.ok(pools.get('b')!.has(transferId(tx)));
  assert.equal(a.net.counters().bans + b.net.counters().bans + c.net.counters().bans, 0);

  // 200 more blocks at A, not announced. A node started now catches up from genesis.
  const chain = tree.branch(hashOf(first!), 200);
  await feed(a, chain);
  const { log, lines } = capturedLogger();
  const d = await harness.node(tree, 'd', { log, sync: { progressIntervalMs: 50, batchSize: 16 } });
  const done = new Promise<{ height: number; connected: number }>((resolve) => d.net.once('sync:done', resolve));
  await connect(d, a);
  await connect(d, c);
  const synced = await done;
  await waitFor(() => sameTip(a, d), 'd at a\'s tip');
  assert.equal(d.chain.height(), 201);
  assert.equal(synced.height, 201);
  assert.equal(synced.connected, 201);
  assert.equal(toHex(d.chain.tip().header.stateRoot), toHex(a.chain.tip().header.stateRoot));
  assert.equal(stateRootOf(d), stateRootOf(a));
  assert.ok(lines.some((l) => /^sync height=\d+ target=201 blocks\/s=[\d.]+ eta=\S+ peers=\d scoring=full$/.test(l)), lines.join('\n'));
  assert.ok(lines.includes('synced height=201'), lines.join('\n'));
  // D announced its new tip: B and C, which had only block 1, find the chain through it.
  await waitFor(() => sameTip(a, b) && sameTip(a, c), 'b and c at a\'s tip');

  // Then the tip is followed by gossip alone.
  const next = tree.extend(hashOf(chain[199]!));
  await feed(a, [next]);
  await a.net.announceBlock(next);
  await waitFor(() => [b, c, d].every((n) => sameTip(a, n)), 'block 202 everywhere');
  assert.equal(stateRootOf(c), stateRootOf(a));
  for (const node of [a, b, c, d]) assert.equal(node.net.counters().bans, 0, `${node.name} banned nobody`);
});

test('a block too large for a gossip message goes out as its header; peers fetch the body and relay', { timeout: 60_000 }, async () => {
  const small = { maxGossipMessageBytes: 600 };
  const [a, b, c] = await Promise.all(['a2', 'b2', 'c2'].map((n) => harness.node(tree, n, small)));
  await connect(a!, b!);
  await connect(b!, c!);
  await waitFor(() => c!.net.node.services.pubsub.getSubscribers(b!.net.names.topics.blocks).length > 0, 'c subscribed at b');
  await waitFor(() => b!.net.node.services.pubsub.getSubscribers(a!.net.names.topics.blocks).length > 0, 'b subscribed at a');
  const big = tree.extend(tree.genesis.hash, { txs: [tree.pay(0, 1, 10n, 1n, 0n), tree.pay(1, 2, 10n, 1n, 0n), tree.pay(2, 3, 10n, 1n, 0n)] });
  assert.ok(encodeBlock(big).length > 600);
  await a!.chain.addBlock(big);
  const served = a!.net.counters().reqresp.served;
  await a!.net.announceBlock(big);
  await waitFor(() => sameTip(a!, b!) && sameTip(a!, c!), 'the block at b and c');
  // b fetched the body from a, c from b: one request served by each.
  assert.equal(a!.net.counters().reqresp.served, served + 1);
  assert.equal(c!.chain.getAccount(tree.keys[3]!.address).balance, tree.genesis.accounts.get(toHex(tree.keys[3]!.address))!.balance + 10n);
  for (const node of [a!, b!, c!]) assert.equal(node.net.counters().bans, 0);
});

test('bodies come from several peers in parallel and connect in order', { timeout: 60_000 }, async () => {
  const blocks = tree.branch(tree.genesis.hash, 300);
  const sources = await Promise.all(['s1', 's2', 's3'].map((n) => harness.node(tree, n)));
  for (const source of sources) await feed(source, blocks);
  const fresh = await harness.node(tree, 'fresh', { sync: { batchSize: 8 } });
  const heights: number[] = [];
  fresh.chain.on('block', (_block, entry) => heights.push(entry.height));
  // Connected to all three before anything is asked: one gives headers, all give bodies.
  await Promise.all(sources.map((s) => fresh.net.dial(s.net.addresses()[0]!)));
  await waitFor(() => sources.every((s) => fresh.net.readyPeers().includes(s.net.peerId)), 'three ready peers');
  await waitFor(() => sameTip(fresh, sources[0]!), 'synced');
  assert.deepEqual(heights, Array.from({ length: 300 }, (_, i) => i + 1));
  const served = sources.map((s) => s.net.counters().reqresp.served);
  assert.ok(served.filter((n) => n > 2).length >= 2, `requests served per source: ${served.join(', ')}`);
});
