/**
 * Pools are exchanged when peers connect: a transfer and a contribution that reached one node
 * before another joined (so no gossip will ever carry them to it) reach the newcomer's mempool
 * and contribution pool, checked as gossip would be; and the newcomer's reach the old node too.
 * A pool answer with an invalid transfer costs its sender as gossip does.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { transferId } from '../../consensus/ids.ts';
import { encodeTransfer } from '../../chain/tx.ts';
import { signContribution } from '../../chain/contribution.ts';
import { ContributionPool } from '../../src/gauntlet/contribution-pool.ts';
import type { Mempool } from '../../src/mempool/mempool.ts';
import { createP2PNode, type P2PNode } from '../../src/p2p/node.ts';
import { encodeSuccessChunk, readFrames } from '../../src/p2p/reqresp/codec.ts';
import { encodeStatus } from '../../src/p2p/reqresp/messages.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { createPrng } from '../../trainer/prng.ts';
import { BlockTree } from '../util/block-tree.ts';
import { testGenesis } from '../util/fixtures.ts';
import { connect, Harness, nodeWithMempool, waitFor } from '../util/p2p-harness.ts';

const harness = new Harness();
const strangers: P2PNode[] = [];
after(async () => {
  await Promise.all(strangers.map(async (s) => s.stop()));
  await harness.close();
});

test('a transfer and a contribution held before a peer joined reach it when it connects, both ways', { timeout: 60_000 }, async () => {
  const tree = new BlockTree();
  const { params } = tree;
  const mempools = new Map<string, Mempool>();
  const contributionPools = new Map<string, ContributionPool>();
  const withPools = async (name: string): Promise<void> => {
    const pool = new ContributionPool(params, tree.genesis.hash);
    contributionPools.set(name, pool);
    await nodeWithMempool(harness, tree, name, mempools, { contributions: pool });
  };
  await withPools('old');
  const old = harness.nodes.at(-1)!;
  const early = tree.pay(0, 3, 5n * 100_000_000n, 10_000n, 0n);
  mempools.get('old')!.add(early);
  const prng = createPrng(Uint8Array.of(7));
  const gradient = Float32Array.from({ length: testGenesis().model.length }, () => 1e-3 * prng.gaussian());
  const payload = encodePseudoGradient(gradient, { chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK }).payload;
  const contributor = tree.keys[2]!;
  const contribution = signContribution(
    { chainId: params.chainId, contributorPublicKey: contributor.publicKey, parentHash: tree.genesis.hash, payload },
    contributor.secretKey,
    params.gauntlet.stampBits,
  );
  assert.equal(contributionPools.get('old')!.add(contribution).status, 'accept');

  await withPools('newcomer');
  const newcomer = harness.nodes.at(-1)!;
  const late = tree.pay(1, 4, 2n * 100_000_000n, 20_000n, 0n);
  mempools.get('newcomer')!.add(late);
  await connect(newcomer, old);
  await waitFor(() => mempools.get('newcomer')!.has(transferId(early)), "the early transfer in the newcomer's mempool");
  await waitFor(() => contributionPools.get('newcomer')!.get(contributor.address) !== undefined, "the contribution in the newcomer's pool");
  await waitFor(() => mempools.get('old')!.has(transferId(late)), "the newcomer's transfer in the old node's mempool");
  assert.deepEqual(contributionPools.get('newcomer')!.get(contributor.address), contribution);
  assert.equal(newcomer.net.isBanned(old.net.peerId), false);
  assert.equal(old.net.isBanned(newcomer.net.peerId), false);
});

test('a pool answer with an invalid transfer gets its sender banned', { timeout: 60_000 }, async () => {
  const tree = new BlockTree();
  const mempools = new Map<string, Mempool>();
  const victim = await nodeWithMempool(harness, tree, 'victim', mempools);
  const names = victim.net.names;
  const forged = encodeTransfer({ ...tree.pay(0, 3, 100_000n, 10_000n, 0n), amount: 100_001n });
  const stranger = await createP2PNode({ mdns: false, gossip: { globalSignaturePolicy: 'StrictNoSign', allowPublishToZeroTopicPeers: true } });
  strangers.push(stranger);
  const status = encodeStatus({ genesis: tree.genesis.hash, tipHash: tree.genesis.hash, height: 0, chainwork: victim.chain.genesis().chainwork });
  await stranger.handle(names.protocols.status, async (stream) => {
    stream.send(encodeSuccessChunk(status));
    await stream.close().catch(() => undefined);
  });
  // Asked for its pool, it answers with a transfer whose signature does not match.
  await stranger.handle(names.protocols.pool, async (stream) => {
    for await (const _ of readFrames(stream, { maxFrameBytes: 16, maxFrames: 1, maxTotalBytes: 16 })) break;
    stream.send(encodeSuccessChunk(Uint8Array.from([0, ...forged])));
    await stream.close().catch(() => undefined);
  });
  await stranger.start();
  await stranger.dial(multiaddr(victim.net.addresses()[0]!));
  await waitFor(() => victim.net.isBanned(stranger.peerId.toString()), 'the stranger banned for its invalid pool');
  assert.equal(mempools.get('victim')!.size, 0);
});
