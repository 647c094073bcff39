import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { toHex } from '../../consensus/hash.ts';
import { encodeBlock } from '../../chain/block.ts';
import { silentLogger } from '../../src/log.ts';
import { createP2PNode, type P2PNode } from '../../src/p2p/node.ts';
import { ReqResp } from '../../src/p2p/reqresp/reqresp.ts';
import { protocolLimits } from '../../src/p2p/reqresp/limits.ts';
import { requestHeaders } from '../../src/p2p/reqresp/headers.ts';
import { requestBlocksByHash, requestBlocksByRange } from '../../src/p2p/reqresp/blocks.ts';
import { requestStatus } from '../../src/p2p/handshake.ts';
import { isP2PError } from '../../src/p2p/errors.ts';
import { decodeStatus, encodeStatus } from '../../src/p2p/reqresp/messages.ts';
import type { PeerAction } from '../../src/p2p/peer-score.ts';
import { BlockTree, hashOf } from '../util/block-tree.ts';
import { feed, Harness, waitFor, type TestNode } from '../util/p2p-harness.ts';

const harness = new Harness();
const tree = new BlockTree();
const blocks = tree.branch(tree.genesis.hash, 100);
let server: TestNode;
let client: P2PNode;
let reqresp: ReqResp;
const actions: Array<{ peer: string; action: PeerAction; reason: string }> = [];

before(async () => {
  const limits = protocolLimits(tree.params);
  server = await harness.node(tree, 'server', {
    // A small blocks-by-range budget, so the test can spend it.
    limits: { ...limits, blocksByRange: { ...limits.blocksByRange, rateLimit: { capacity: 100, refillPerSecond: 0 } } },
  });
  await feed(server, blocks);
  client = await createP2PNode({ mdns: false, gossip: { globalSignaturePolicy: 'StrictNoSign' } });
  await client.start();
  reqresp = new ReqResp({
    node: client,
    protocols: server.net.names.protocols,
    limits,
    log: silentLogger(),
    clockMs: Date.now,
    isBanned: () => false,
    onPeerAction: (peer, action, reason) => actions.push({ peer, action, reason }),
  });
  // The client answers the server's handshake as a node at the genesis would.
  const genesisStatus = { genesis: tree.genesis.hash, tipHash: tree.genesis.hash, height: 0, chainwork: server.chain.genesis().chainwork };
  await reqresp.handle('status', { decode: decodeStatus, cost: () => 1, respond: () => [encodeStatus(genesisStatus)] });
  await client.dial(multiaddr(server.net.addresses()[0]!));
  await waitFor(() => server.net.readyPeers().includes(client.peerId.toString()), 'the handshake');
});
after(async () => {
  await client.stop();
  await harness.close();
});

test('status: our status goes out, the server answers with its tip', async () => {
  const status = await requestStatus(reqresp, server.net.node.peerId, server.chain);
  assert.equal(status.height, 100);
  assert.equal(toHex(status.tipHash), toHex(hashOf(blocks[99]!)));
  assert.equal(status.chainwork, server.chain.tip().chainwork);
});

test('headers by locator: from the fork point, up to the maximum asked', async () => {
  const peer = server.net.node.peerId;
  const all = await requestHeaders(reqresp, peer, { locator: [tree.genesis.hash], max: 2000 });
  assert.equal(all.length, 100);
  assert.deepEqual(all.map((h) => h.height), blocks.map((b) => b.header.height));
  // The first locator hash on the server's chain wins; unknown hashes are skipped.
  const after50 = await requestHeaders(reqresp, peer, { locator: [new Uint8Array(32).fill(9), hashOf(blocks[49]!), tree.genesis.hash], max: 2000 });
  assert.deepEqual([after50[0]!.height, after50.length], [51, 50]);
  assert.equal((await requestHeaders(reqresp, peer, { locator: [tree.genesis.hash], max: 10 })).length, 10);
  assert.equal((await requestHeaders(reqresp, peer, { locator: [hashOf(blocks[99]!)], max: 10 })).length, 0);
});

test('blocks by hash: those it has, in the order asked; by range: consecutive main-chain blocks', async () => {
  const peer = server.net.node.peerId;
  const wanted = [hashOf(blocks[10]!), new Uint8Array(32).fill(1), hashOf(blocks[3]!)];
  const got = await requestBlocksByHash(reqresp, peer, wanted);
  assert.deepEqual(got.map((b) => toHex(b.hash)), [toHex(hashOf(blocks[10]!)), toHex(hashOf(blocks[3]!))]);
  assert.deepEqual(got[0]!.bytes, encodeBlock(blocks[10]!));
  const range = await requestBlocksByRange(reqresp, peer, { start: 95, count: 10 });
  assert.deepEqual(range.map((b) => b.header.height), [95, 96, 97, 98, 99, 100]);
  assert.equal((await requestBlocksByRange(reqresp, peer, { start: 500, count: 4 })).length, 0);
});

test('rate limit: past its token budget a peer is refused, charged a little, not banned', async () => {
  const peer = server.net.node.peerId;
  // 100 tokens, one per block asked for; 10 + 4 spent above: 86 left.
  assert.equal((await requestBlocksByRange(reqresp, peer, { start: 1, count: 64 })).length, 64);
  await assert.rejects(requestBlocksByRange(reqresp, peer, { start: 1, count: 64 }), (e) => isP2PError(e, 'rate-limited'));
  assert.equal((await requestBlocksByRange(reqresp, peer, { start: 1, count: 22 })).length, 22);
  await assert.rejects(requestBlocksByRange(reqresp, peer, { start: 1, count: 1 }), (e) => isP2PError(e, 'rate-limited'));
  assert.equal(server.net.counters().reqresp.refusedRateLimited, 2);
  const me = server.net.peers().find((p) => p.id === client.peerId.toString())!;
  assert.ok(me.score < 0 && me.score > -5, `score ${me.score}`);
  assert.equal(server.net.isBanned(client.peerId.toString()), false);
  // The refusal is the remote's right: the client charges the server nothing for it.
  assert.deepEqual(actions, []);
});

test('an undecodable request is answered with an error and the requester banned', async () => {
  const stream = await client.dialProtocol(server.net.node.peerId, server.net.names.protocols.headers);
  const frames: Uint8Array[] = [];
  const reading = (async () => {
    for await (const chunk of stream) frames.push(chunk.subarray());
  })();
  stream.send(Uint8Array.from([3, 0xc1, 0xc1, 0xc1]));
  await stream.close();
  await reading.catch(() => undefined);
  const answer = Buffer.concat(frames);
  assert.equal(answer[1], 1, 'result code: invalid request');
  assert.match(answer.subarray(2).toString(), /malformed: headers request is not valid msgpack/);
  await waitFor(() => server.net.isBanned(client.peerId.toString()), 'the client banned');
  assert.equal(server.net.bans()[0]!.reason, 'misbehaving');
  await waitFor(() => client.getConnections(server.net.node.peerId).length === 0, 'the client disconnected');
  // A banned peer is refused when it comes back.
  await client.dial(multiaddr(server.net.addresses()[0]!), { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(server.net.node.getConnections(client.peerId).length, 0);
  assert.equal(server.net.readyPeers().includes(client.peerId.toString()), false);
});
