import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import type { Block, Header } from '../../consensus/types.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { hashToBigInt } from '../../consensus/pow/target.ts';
import { toHex } from '../../consensus/hash.ts';
import { encodeBlock } from '../../chain/block.ts';
import { headerHash } from '../../chain/header.ts';
import { silentLogger } from '../../src/log.ts';
import { createP2PNode, type P2PNode } from '../../src/p2p/node.ts';
import { ReqResp } from '../../src/p2p/reqresp/reqresp.ts';
import { protocolLimits, type ProtocolLimitTable } from '../../src/p2p/reqresp/limits.ts';
import {
  decodeBlocksByHashRequest,
  decodeHeadersRequest,
  decodeStatus,
  encodeHeadersResponse,
  encodeStatus,
} from '../../src/p2p/reqresp/messages.ts';
import { BlockTree, hashOf } from '../util/block-tree.ts';
import { connect, feed, Harness, sameTip, waitFor, type TestNode } from '../util/p2p-harness.ts';

const harness = new Harness();
const servers: P2PNode[] = [];
after(async () => {
  await Promise.all(servers.map(async (s) => s.stop()));
  await harness.close();
});

const tree = new BlockTree();
const chain: Block[] = tree.branch(tree.genesis.hash, 30, { txs: [] });
chain[14] = tree.extend(hashOf(chain[13]!), { txs: [tree.pay(0, 1, 5n, 1n, 0n)] });
for (let i = 15; i < 30; i++) chain[i] = tree.extend(hashOf(chain[i - 1]!));
const headers = chain.map((b) => b.header);

/** Short time limits, so a silent peer costs the test half a second. */
function quickLimits(): ProtocolLimitTable {
  const l = protocolLimits(tree.params);
  return { ...l, headers: { ...l.headers, responseTimeoutMs: 500 }, blocksByHash: { ...l.blocksByHash, responseTimeoutMs: 2_000 } };
}

interface Misbehaviour {
  readonly headers?: (asked: Header[]) => Header[] | Promise<Header[]>;
  readonly block?: (block: Block) => Uint8Array;
  readonly chainwork?: bigint;
}

/**
 * A peer that claims the 30-block chain and serves it through the real request/response engine,
 * with the twist given.
 */
async function crookedPeer(victim: TestNode, twist: Misbehaviour): Promise<P2PNode> {
  const node = await createP2PNode({ mdns: false, gossip: { globalSignaturePolicy: 'StrictNoSign' } });
  servers.push(node);
  const reqresp = new ReqResp({
    node,
    protocols: victim.net.names.protocols,
    limits: protocolLimits(tree.params),
    log: silentLogger(),
    clockMs: Date.now,
    isBanned: () => false,
    onPeerAction: () => undefined,
  });
  const tip = chain[29]!;
  const status = {
    genesis: tree.genesis.hash,
    tipHash: hashOf(tip),
    height: 30,
    chainwork: twist.chainwork ?? victim.chain.genesis().chainwork * 31n,
  };
  await reqresp.handle('status', { decode: decodeStatus, cost: () => 1, respond: () => [encodeStatus(status)] });
  await reqresp.handle('headers', {
    decode: decodeHeadersRequest,
    cost: () => 1,
    respond: async function* (request) {
      const from = headers.findIndex((h) => request.locator.some((l) => toHex(l) === toHex(h.parentHash)));
      const asked = headers.slice(Math.max(0, from), Math.max(0, from) + request.max);
      yield encodeHeadersResponse(twist.headers ? await twist.headers(asked) : asked);
    },
  });
  await reqresp.handle('blocksByHash', {
    decode: decodeBlocksByHashRequest,
    cost: (h) => h.length,
    respond: (hashes) =>
      hashes.flatMap((h) => {
        const block = chain.find((b) => toHex(hashOf(b)) === toHex(h));
        return block ? [twist.block ? twist.block(block) : encodeBlock(block)] : [];
      }),
  });
  await node.start();
  return node;
}

async function dialFrom(server: P2PNode, victim: TestNode): Promise<string> {
  await server.dial(multiaddr(victim.net.addresses()[0]!));
  const id = server.peerId.toString();
  await waitFor(() => victim.net.readyPeers().includes(id) || victim.net.isBanned(id), 'the handshake');
  return id;
}

function failingPow(header: Header): Header {
  const target = bitsToTarget(header.bits);
  for (let nonce = 0n; ; nonce++) {
    const candidate = { ...header, nonce };
    if (hashToBigInt(headerHash(candidate)) > target) return candidate;
  }
}

test('a header without its proof of work bans the peer before any block is fetched', { timeout: 60_000 }, async () => {
  const victim = await harness.node(tree, 'v1', { limits: quickLimits() });
  const liar = await crookedPeer(victim, { headers: (asked) => asked.map((h, i) => (i === 10 ? failingPow(h) : h)) });
  const id = await dialFrom(liar, victim);
  await waitFor(() => victim.net.isBanned(id), 'the liar banned');
  assert.match(victim.net.bans()[0]!.detail, /sent an invalid header: high-hash/);
  await victim.net.syncIdle();
  assert.equal(victim.chain.height(), 0, 'not one block was fetched for a broken header chain');
});

test('a block body that does not match its header bans the sender; the rest comes from an honest peer', { timeout: 60_000 }, async () => {
  const victim = await harness.node(tree, 'v2', { limits: quickLimits(), sync: { batchSize: 4 } });
  const swapper = await crookedPeer(victim, {
    block: (block) => (block.header.height === 15 ? encodeBlock({ ...block, txs: [] }) : encodeBlock(block)),
  });
  const id = await dialFrom(swapper, victim);
  await waitFor(() => victim.net.isBanned(id), 'the swapper banned');
  assert.match(victim.net.bans()[0]!.detail, /sent invalid block .*bad-txroot/);
  await victim.net.syncIdle();
  assert.equal(victim.chain.height(), 14, 'the blocks before the bad one are kept');
  // The body was wrong, not the block: the block is not marked invalid and an honest peer supplies it.
  assert.equal(victim.chain.getInvalid(hashOf(chain[14]!)), undefined);
  const honest = await harness.node(tree, 'h2');
  await feed(honest, chain);
  await connect(victim, honest);
  await waitFor(() => sameTip(victim, honest), 'synced from the honest peer');
  assert.equal(victim.chain.height(), 30);
});

test('a silent peer and a peer claiming work it does not have cost a little, and sync goes on elsewhere', { timeout: 60_000 }, async () => {
  const victim = await harness.node(tree, 'v3', { limits: quickLimits() });
  let release: () => void = () => undefined;
  const never = new Promise<void>((r) => (release = r));
  const silent = await crookedPeer(victim, {
    headers: async (asked) => {
      await never;
      return asked;
    },
  });
  const boaster = await crookedPeer(victim, { headers: () => [], chainwork: 1n << 200n });
  const silentId = await dialFrom(silent, victim);
  const boasterId = await dialFrom(boaster, victim);
  const honest = await harness.node(tree, 'h3');
  await feed(honest, chain);
  await connect(victim, honest);
  await waitFor(() => sameTip(victim, honest), 'synced from the honest peer');
  await victim.net.syncIdle();
  release();
  const score = (peer: string): number => victim.net.peers().find((p) => p.id === peer)?.score ?? 0;
  assert.equal(victim.net.isBanned(silentId), false);
  assert.equal(victim.net.isBanned(boasterId), false);
  assert.ok(score(boasterId) < 0, `the boaster's score ${score(boasterId)}`);
  assert.ok(score(silentId) < 0, `the silent peer's score ${score(silentId)}`);
  assert.equal(toHex(victim.chain.tip().hash), toHex(hashOf(chain[29]!)));
});
