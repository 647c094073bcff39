import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { multiaddr } from '@multiformats/multiaddr';
import { toHex } from '../../consensus/hash.ts';
import { transferId } from '../../consensus/ids.ts';
import { computeStateRoot } from '../../consensus/state-transition.ts';
import { encodeBlock } from '../../chain/block.ts';
import { encodeTransfer } from '../../chain/tx.ts';
import { encodeContribution } from '../../chain/contribution.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { createP2PNode, type P2PNode } from '../../src/p2p/node.ts';
import { networkMempool } from '../../src/p2p/mempool-adapter.ts';
import { PROTOCOL_KINDS, TOPIC_KINDS, type ProtocolKind, type TopicKind } from '../../src/p2p/protocols.ts';
import { encodeFrame, encodeSuccessChunk, readFrames } from '../../src/p2p/reqresp/codec.ts';
import {
  encodeBlocksByHashRequest,
  encodeBlocksByRangeRequest,
  encodeHeadersRequest,
  encodeStatus,
} from '../../src/p2p/reqresp/messages.ts';
import { protocolLimits } from '../../src/p2p/reqresp/limits.ts';
import { POOL_REQUEST } from '../../src/p2p/reqresp/pool.ts';
import { topicLimits } from '../../src/p2p/gossip.ts';
import { BlockTree, hashOf } from '../util/block-tree.ts';
import { connect, Harness, nodeWithMempool, sameTip, waitFor, type TestNode } from '../util/p2p-harness.ts';
import { solve } from '../util/fixtures.ts';
import { randomBelow } from '../util/xorshift.ts';

const harness = new Harness();
const attackers: P2PNode[] = [];
after(async () => {
  await Promise.all(attackers.map(async (a) => a.stop()));
  await harness.close();
});

function junk(rand: (n: number) => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => rand(256));
}

/** One attacker per kind of bad message: each must be caught on its own, not behind another. */
type Category = { readonly channel: 'gossip'; readonly topic: TopicKind; readonly flaw: GossipFlaw } | { readonly channel: 'req'; readonly protocol: ProtocolKind; readonly flaw: RequestFlaw };
type GossipFlaw = 'junk' | 'truncated' | 'mutated' | 'trailing' | 'oversized' | 'wrong-shape' | BlockFlaw;
/** Well-formed blocks that cost their sender too little: a low-work branch, stripped orphans, cheap invalid headers. */
type BlockFlaw = 'low-work' | 'stripped-orphan' | 'cheap-invalid';
type RequestFlaw = 'junk' | 'truncated' | 'oversized' | 'trailing';

const GOSSIP_FLAWS: readonly GossipFlaw[] = ['junk', 'truncated', 'mutated', 'trailing', 'oversized', 'wrong-shape'];
const BLOCK_FLAWS: readonly BlockFlaw[] = ['low-work', 'stripped-orphan', 'cheap-invalid'];
/** The victim's cost policy: a branch two blocks' worth behind its tip is not stored. */
const VICTIM_COSTS = { forkWindowBlocks: 2, maxInvalidRecords: 64 };
const REQUEST_FLAWS: readonly RequestFlaw[] = ['junk', 'truncated', 'oversized', 'trailing'];
const GOSSIP_BURST = 520;
const REQUEST_BURST = 100;

test('a flood of 10,000+ malformed, truncated and oversized messages on every protocol and topic', { timeout: 150_000 }, async () => {
  const tree = new BlockTree();
  const blocks = tree.branch(tree.genesis.hash, 5);
  // The pool reads the chain's accounts, and the chain opens with the network: bind it after.
  const holder: { pool?: Mempool } = {};
  const victim = await harness.node(
    tree,
    'victim',
    { mempool: { addTransfer: (tx, bytes, from) => networkMempool(holder.pool!).addTransfer(tx, bytes, from) } },
    { costPolicy: VICTIM_COSTS },
  );
  const pool = (holder.pool = new Mempool(tree.params, victim.chain.accounts()));
  for (const block of blocks) await victim.chain.addBlock(block);
  const tipBefore = toHex(victim.chain.tip().hash);
  const stateBefore = toHex(computeStateRoot(victim.chain.accounts()));
  const names = victim.net.names;
  const limits = protocolLimits(tree.params);
  const topicMax = topicLimits(tree.params);
  const goodStatus = encodeStatus({ genesis: tree.genesis.hash, tipHash: tree.genesis.hash, height: 0, chainwork: victim.chain.genesis().chainwork });

  // Real messages to break: a block on the tip with a transfer, a signed transfer, a contribution.
  const realBlock = encodeBlock(tree.extend(hashOf(blocks[4]!), { txs: [tree.pay(0, 1, 10n, 1n, 0n)] }));
  const realTx = encodeTransfer(tree.pay(2, 3, 10n, 1n, 0n));
  const contribution = encodeContribution({
    chainId: tree.params.chainId,
    contributorPublicKey: tree.keys[0]!.publicKey,
    parentHash: hashOf(blocks[4]!),
    payload: new Uint8Array(100),
    stamp: 0n,
    signature: new Uint8Array(64),
  });
  const real: Record<TopicKind, Uint8Array> = { blocks: realBlock, txs: realTx, contributions: contribution };
  // Past the header (243 bytes in), a changed byte breaks the body or its encoding, never the
  // proof of work: with the test's easy target a changed header could be a valid block.
  const mutableFrom: Record<TopicKind, number> = { blocks: 243, txs: 0, contributions: 0 };

  // Blocks that are well formed but must cost the victim nothing: a child of a block it has not
  // seen, carrying ten transfers, to be sent with some of them stripped; a valid tip child to
  // break the height of.
  const unseenParent = tree.extend(hashOf(blocks[4]!), { txs: [] });
  const nonce = (k: number): bigint => tree.accountsAt(hashOf(unseenParent)).get(toHex(tree.keys[k]!.address))?.nonce ?? 0n;
  const fullChild = tree.extend(hashOf(unseenParent), { txs: Array.from({ length: 10 }, (_, k) => tree.pay(k % 4, 4, 1n + BigInt(k), 1n, nonce(k % 4) + BigInt(Math.floor(k / 4)))) });
  const tipChild = tree.extend(hashOf(blocks[4]!), { txs: [] });

  function blockMessage(flaw: BlockFlaw, i: number): Uint8Array {
    switch (flaw) {
      case 'low-work': // a branch from height 0, five blocks behind the victim's tip
        return encodeBlock(tree.extend(tree.genesis.hash, { txs: [] }));
      case 'stripped-orphan': {
        const mask = 1 + (i % 1022); // never all ten: that would be the honest body
        return encodeBlock({ ...fullChild, txs: fullChild.txs.filter((_, k) => (mask >> k) & 1) });
      }
      case 'cheap-invalid': // proof of work against the tip's target, a wrong height
        return encodeBlock({ ...tipChild, header: solve({ ...tipChild.header, height: 100 + i }, BigInt(i) << 24n) });
    }
  }

  function gossipMessage(topic: TopicKind, flaw: GossipFlaw, i: number, rand: (n: number) => number): Uint8Array {
    const base = real[topic];
    switch (flaw) {
      case 'low-work':
      case 'stripped-orphan':
      case 'cheap-invalid':
        return blockMessage(flaw, i);
      case 'junk':
        return junk(rand, 1 + rand(Math.min(topicMax[topic], 600)));
      case 'truncated':
        return base.subarray(0, rand(base.length));
      case 'mutated': {
        const mutated = base.slice();
        const at = mutableFrom[topic] + rand(base.length - mutableFrom[topic]);
        mutated[at]! ^= 1 + rand(255);
        return mutated;
      }
      case 'trailing':
        return Uint8Array.from([...base, rand(256), rand(256)]);
      case 'oversized': {
        // Cheap to build: one fill, made unique by its first bytes.
        const size = topicMax[topic] + 1 + rand(100);
        const big = new Uint8Array(topic === 'blocks' && i % 100 !== 0 ? 300 : size).fill(0x5a);
        big.set(junk(rand, 8));
        return topic === 'blocks' && i % 100 !== 0 ? junk(rand, 300) : big;
      }
      case 'wrong-shape':
        return Uint8Array.from([0x93, 0x01, 0x02, rand(128), rand(128)]);
    }
  }

  function requestBody(protocol: ProtocolKind): Uint8Array {
    if (protocol === 'status') return goodStatus;
    if (protocol === 'headers') return encodeHeadersRequest({ locator: [tree.genesis.hash], max: 10 });
    if (protocol === 'blocksByHash') return encodeBlocksByHashRequest([hashOf(blocks[0]!)]);
    if (protocol === 'pool') return POOL_REQUEST;
    return encodeBlocksByRangeRequest({ start: 1, count: 4 });
  }

  async function request(attacker: P2PNode, protocol: ProtocolKind, flaw: RequestFlaw, rand: (n: number) => number): Promise<void> {
    const stream = await attacker.dialProtocol(victim.net.node.peerId, names.protocols[protocol], { signal: AbortSignal.timeout(5_000) });
    const body = requestBody(protocol);
    const answer = (async () => {
      for await (const _ of readFrames(stream, { maxFrameBytes: 1 << 20, maxFrames: 70, maxTotalBytes: 1 << 24 })) {
        // Whatever it answers is read and dropped.
      }
    })();
    answer.catch(() => undefined);
    switch (flaw) {
      case 'junk':
        stream.send(encodeFrame(junk(rand, 1 + rand(limits[protocol].maxRequestBytes))));
        break;
      case 'truncated': // the prefix promises more than is sent
        stream.send(encodeFrame(body).subarray(0, 1 + rand(body.length)));
        break;
      case 'oversized': // a length prefix over the limit, and a little data
        stream.send(Uint8Array.from([0xff, 0xff, 0x7f, ...junk(rand, 20)]));
        break;
      case 'trailing': // a good request with a byte after it, inside the frame
        stream.send(encodeFrame(Uint8Array.from([...body, 0xc0])));
        break;
    }
    await stream.close({ signal: AbortSignal.timeout(5_000) });
    await answer;
  }

  let sent = 0;
  const sentBy: Record<string, number> = {};
  const heapBefore = process.memoryUsage().heapUsed;

  async function attack(category: Category, seed: number): Promise<string> {
    const rand = randomBelow(seed);
    const attacker = await createP2PNode({
      mdns: false,
      gossip: { globalSignaturePolicy: 'StrictNoSign', allowPublishToZeroTopicPeers: true, maxInboundDataLength: 8 << 20 },
    });
    attackers.push(attacker);
    // It passes the handshake like an honest node, then floods.
    await attacker.handle(names.protocols.status, async (stream) => {
      stream.send(encodeSuccessChunk(goodStatus));
      await stream.close().catch(() => undefined);
    });
    await attacker.start();
    for (const kind of TOPIC_KINDS) attacker.services.pubsub.subscribe(names.topics[kind]);
    await attacker.dial(multiaddr(victim.net.addresses()[0]!));
    const id = attacker.peerId.toString();
    await waitFor(() => victim.net.readyPeers().includes(id), 'the attacker ready');
    const label = category.channel === 'gossip' ? `gossip:${category.topic}:${category.flaw}` : `req:${category.protocol}:${category.flaw}`;
    const work: Array<Promise<unknown>> = [];
    if (category.channel === 'gossip') {
      const topic = names.topics[category.topic];
      await waitFor(() => attacker.services.pubsub.getSubscribers(topic).length > 0, 'the victim subscribed');
      for (let i = 0; i < GOSSIP_BURST; i++) {
        work.push(attacker.services.pubsub.publish(topic, gossipMessage(category.topic, category.flaw, i, rand)).catch(() => undefined));
      }
      sent += GOSSIP_BURST;
      sentBy[label] = GOSSIP_BURST;
    } else {
      for (let i = 0; i < REQUEST_BURST; i++) work.push(request(attacker, category.protocol, category.flaw, rand).catch(() => undefined));
      sent += REQUEST_BURST;
      sentBy[label] = REQUEST_BURST;
    }
    await Promise.all(work);
    await waitFor(() => victim.net.isBanned(id), `the ${label} attacker banned`, 20_000);
    await attacker.stop();
    return id;
  }

  const categories: Category[] = [
    ...TOPIC_KINDS.flatMap((topic) =>
      GOSSIP_FLAWS.filter((flaw) => !(topic === 'contributions' && flaw === 'mutated')).map((flaw): Category => ({ channel: 'gossip', topic, flaw })),
    ),
    ...BLOCK_FLAWS.map((flaw): Category => ({ channel: 'gossip', topic: 'blocks', flaw })),
    ...PROTOCOL_KINDS.flatMap((protocol) => REQUEST_FLAWS.map((flaw): Category => ({ channel: 'req', protocol, flaw }))),
  ];
  const ids: string[] = [];
  for (let at = 0; at < categories.length; at += 6) {
    ids.push(...(await Promise.all(categories.slice(at, at + 6).map((c, k) => attack(c, 1 + at + k)))));
  }

  assert.ok(sent >= 10_000, `sent ${sent}`);
  assert.equal(ids.length, 20 + 4 * PROTOCOL_KINDS.length);
  // Every attacker is banned for misbehaving, whatever its flaw, and stays refused.
  const bans = new Map(victim.net.bans().map((b) => [b.peer, b]));
  for (const id of ids) assert.equal(bans.get(id)?.reason, 'misbehaving', id);
  // The node handled the flood without changing its chain or pool.
  assert.equal(toHex(victim.chain.tip().hash), tipBefore);
  assert.equal(toHex(computeStateRoot(victim.chain.accounts())), stateBefore);
  assert.equal(pool.size, 0);
  // None of the well-formed but unpaid blocks was stored, pooled or recorded past the cap.
  assert.deepEqual(victim.chain.getChainTips().map((t) => t.status), ['active']);
  assert.equal(victim.chain.orphanCount(), 0);
  assert.ok(victim.chain.invalidCounts().unstored <= VICTIM_COSTS.maxInvalidRecords, JSON.stringify(victim.chain.invalidCounts()));
  const counters = victim.net.counters();
  assert.equal(counters.gossip.verdicts.accept, 0);
  assert.ok(counters.gossip.verdicts.reject >= 17, JSON.stringify(counters.gossip.verdicts));
  assert.ok(counters.reqresp.refusedInvalid >= 4 * PROTOCOL_KINDS.length, JSON.stringify(counters.reqresp));
  assert.equal(counters.reqresp.served, 0);
  const heapGrowthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  assert.ok(heapGrowthMiB < 256, `heap grew ${heapGrowthMiB.toFixed(0)} MiB`);
  process.stderr.write(`flood: sent ${sent}; heap +${heapGrowthMiB.toFixed(0)} MiB; victim ${JSON.stringify(counters)}\n`);

  // And it still serves an honest node, which syncs its five blocks.
  const honest: TestNode = await harness.node(tree, 'honest');
  await connect(honest, victim);
  await waitFor(() => sameTip(honest, victim), 'the honest node synced');
  assert.equal(honest.chain.height(), 5);
});

/**
 * The relay-policy flood: validly signed transfers that pay no fee or move dust. They are refused
 * by the policy before any signature is checked, ignored without blame (a peer with a lower
 * minimum may relay them in good faith), never kept nor relayed; a transfer that pays its way
 * still gets in afterwards.
 */
test('a flood of zero-fee and dust transfers leaves the mempool empty and the node serving', { timeout: 120_000 }, async () => {
  const tree = new BlockTree();
  const pools = new Map<string, Mempool>();
  const victim = await nodeWithMempool(harness, tree, 'policy-victim', pools);
  const names = victim.net.names;
  const attacker = await createP2PNode({ mdns: false, gossip: { globalSignaturePolicy: 'StrictNoSign', allowPublishToZeroTopicPeers: true } });
  attackers.push(attacker);
  const status = encodeStatus({ genesis: tree.genesis.hash, tipHash: tree.genesis.hash, height: 0, chainwork: victim.chain.genesis().chainwork });
  await attacker.handle(names.protocols.status, async (stream) => {
    stream.send(encodeSuccessChunk(status));
    await stream.close().catch(() => undefined);
  });
  await attacker.start();
  attacker.services.pubsub.subscribe(names.topics.txs);
  await attacker.dial(multiaddr(victim.net.addresses()[0]!));
  const id = attacker.peerId.toString();
  await waitFor(() => victim.net.readyPeers().includes(id), 'the attacker ready');
  await waitFor(() => attacker.services.pubsub.getSubscribers(names.topics.txs).length > 0, 'the victim subscribed');
  const before = victim.net.counters().gossip.verdicts.ignore;
  const burst = 400;
  const work: Array<Promise<unknown>> = [];
  for (let i = 0; i < burst; i++) {
    // Half pay nothing, half move one base unit: every one a distinct, validly signed transfer.
    const tx = i % 2 === 0 ? tree.pay(i % 4, 5, 10_000n + BigInt(i), 0n, BigInt(i)) : tree.pay(i % 4, 6, 1n, 10_000n, BigInt(i));
    work.push(attacker.services.pubsub.publish(names.topics.txs, encodeTransfer(tx)).catch(() => undefined));
  }
  await Promise.all(work);
  const handled = (): number => {
    const c = victim.net.counters().gossip;
    return c.verdicts.ignore - before + c.queues.txs.dropped;
  };
  await waitFor(() => handled() >= burst, 'every flood transfer handled', 60_000);
  const pool = pools.get('policy-victim')!;
  assert.equal(pool.size, 0, 'nothing kept');
  assert.equal(victim.net.counters().gossip.verdicts.accept, 0, 'nothing relayed');
  assert.equal(victim.net.isBanned(id), false, 'policy refusals are not misbehaviour');
  // A transfer that pays its way is accepted after the flood.
  const honest = tree.pay(0, 3, 1_000_000n, 10_000n, 0n);
  await attacker.services.pubsub.publish(names.topics.txs, encodeTransfer(honest));
  await waitFor(() => pool.has(transferId(honest)), 'the honest transfer in the pool');
});
