import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { createP2PNode, type P2PNode } from '../../src/p2p/node.ts';
import { encodeFrame, encodeSuccessChunk, readFrames } from '../../src/p2p/reqresp/codec.ts';
import { decodeStatus, encodeStatus } from '../../src/p2p/reqresp/messages.ts';
import { generatePsk } from '../../src/p2p/pnet.ts';
import { testGenesis } from '../util/fixtures.ts';
import { BlockTree } from '../util/block-tree.ts';
import { connect, Harness, waitFor } from '../util/p2p-harness.ts';

const harness = new Harness();
const bare: P2PNode[] = [];
after(async () => {
  await Promise.all(bare.map((n) => n.stop()));
  await harness.close();
});

async function bareNode(options: { psk?: Uint8Array } = {}): Promise<P2PNode> {
  const node = await createP2PNode({ mdns: false, gossip: { globalSignaturePolicy: 'StrictNoSign' }, ...options });
  await node.start();
  bare.push(node);
  return node;
}

test('a node of another genesis is disconnected, banned for a while, and not dialled', { timeout: 60_000 }, async () => {
  const ours = new BlockTree();
  const theirs = new BlockTree(testGenesis({ genesisTimestamp: 1_800_000_001 }));
  assert.notEqual(ours.genesis.params.chainId.toString(), theirs.genesis.params.chainId.toString());
  const x = await harness.node(ours, 'x');
  const y = await harness.node(theirs, 'y');
  const z = await harness.node(ours, 'z');
  await y.net.dial(x.net.addresses()[0]!);
  await waitFor(() => x.net.isBanned(y.net.peerId) && y.net.isBanned(x.net.peerId), 'both sides ban the other');
  await waitFor(() => x.net.node.getConnections().length === 0, 'the connection closed');
  const ban = x.net.bans().find((b) => b.peer === y.net.peerId)!;
  assert.equal(ban.reason, 'wrong-network');
  assert.ok(x.net.counters().wrongNetwork >= 1);
  assert.deepEqual(x.net.readyPeers(), []);
  // x does not dial y again while the ban lasts, and refuses y's attempts.
  await assert.rejects(x.net.dial(y.net.addresses()[0]!));
  await y.net.dial(x.net.addresses()[0]!).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(x.net.readyPeers(), []);
  assert.equal(x.net.node.getConnections(y.net.node.peerId).length, 0);
  // Our own network still connects.
  await connect(z, x);
  assert.deepEqual(x.net.readyPeers(), [z.net.peerId]);
});

test('a peer that speaks our protocols but names another genesis in its status is banned', { timeout: 60_000 }, async () => {
  const tree = new BlockTree();
  const x = await harness.node(tree, 'x2');
  const impostor = await bareNode();
  const otherGenesis = new Uint8Array(32).fill(7);
  const statusBody = encodeStatus({ genesis: otherGenesis, tipHash: otherGenesis, height: 5, chainwork: 1000n });
  // x's status request gets no answer from this one: it asks first, and x answers with ours
  // before dropping it.
  await impostor.handle(x.net.names.protocols.status, () => undefined);
  const stream = await impostor.dialProtocol(multiaddr(x.net.addresses()[0]!), x.net.names.protocols.status);
  stream.send(encodeFrame(statusBody));
  await stream.close();
  const answers: Uint8Array[] = [];
  for await (const frame of readFrames(stream, { maxFrameBytes: 200, maxFrames: 1, maxTotalBytes: 200 })) answers.push(frame);
  assert.equal(answers.length, 1);
  assert.deepEqual(decodeStatus(answers[0]!.subarray(1)).genesis, tree.genesis.hash);
  await waitFor(() => x.net.isBanned(impostor.peerId.toString()), 'the impostor banned');
  const ban = x.net.bans().find((b) => b.peer === impostor.peerId.toString())!;
  assert.equal(ban.reason, 'wrong-network');
  assert.match(ban.detail, /^genesis 0707/);
  await waitFor(() => impostor.getConnections(x.net.node.peerId).length === 0, 'the impostor disconnected');

  // One that answers x's request with another genesis is found out by x's own check.
  const liar = await bareNode();
  await liar.handle(x.net.names.protocols.status, async (s) => {
    for await (const frame of readFrames(s, { maxFrameBytes: 200, maxFrames: 1, maxTotalBytes: 200 })) {
      assert.deepEqual(decodeStatus(frame).genesis, tree.genesis.hash);
    }
    s.send(encodeSuccessChunk(statusBody));
    await s.close();
  });
  await liar.dial(multiaddr(x.net.addresses()[0]!));
  await waitFor(() => x.net.isBanned(liar.peerId.toString()), 'the liar banned');
  assert.match(x.net.bans().find((b) => b.peer === liar.peerId.toString())!.detail, /^genesis 0707/);
});

test('private networks: the same pre-shared key connects, another key or none does not', { timeout: 60_000 }, async () => {
  const tree = new BlockTree();
  const psk = generatePsk();
  const p = await harness.node(tree, 'p', { psk });
  const q = await harness.node(tree, 'q', { psk });
  await connect(q, p);
  const outsider = await bareNode({ psk: generatePsk() });
  await assert.rejects(outsider.dial(multiaddr(p.net.addresses()[0]!), { signal: AbortSignal.timeout(2_000) }));
  const open = await bareNode();
  await assert.rejects(open.dial(multiaddr(p.net.addresses()[0]!), { signal: AbortSignal.timeout(2_000) }));
  assert.deepEqual(p.net.readyPeers(), [q.net.peerId]);
});

test('a bootnode list connects a new node by itself', { timeout: 60_000 }, async () => {
  const tree = new BlockTree();
  const seed = await harness.node(tree, 'seed');
  const fresh = await harness.node(tree, 'fresh', { bootnodes: [seed.net.addresses()[0]!] });
  await waitFor(() => fresh.net.readyPeers().includes(seed.net.peerId), 'the bootnode ready');
  assert.ok(seed.net.readyPeers().includes(fresh.net.peerId));
});
