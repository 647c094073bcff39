/**
 * Real nodes for network tests: a Chain on a temporary datadir and a P2PNetwork on 127.0.0.1 with
 * mDNS off, on the test genesis, with clocks set past the test blocks' timestamps.
 */
import { Mempool } from '../../src/mempool/mempool.ts';
import { networkMempool } from '../../src/p2p/mempool-adapter.ts';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Chain, ChainOptions } from '../../chain/chain.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { P2PNetwork, type P2PNetworkOptions } from '../../src/p2p/network.ts';
import { BlockTree, openTestChain, tempDir, TEST_NOW } from '../crash/block-tree.ts';
import type { Block } from '../../consensus/types.ts';

/** The network's clock runs at wall speed from the chain tests' TEST_NOW. */
const OFFSET_MS = TEST_NOW * 1000 - Date.now();
export const testNowMs = (): number => Date.now() + OFFSET_MS;

export interface TestNode {
  readonly name: string;
  readonly chain: Chain;
  readonly net: P2PNetwork;
  close(): Promise<void>;
}

export class Harness {
  readonly root = tempDir('p2p');
  readonly nodes: TestNode[] = [];
  #count = 0;

  async node(tree: BlockTree, name: string, options: Partial<P2PNetworkOptions> = {}, chainOptions: Partial<ChainOptions> = {}): Promise<TestNode> {
    const dir = join(this.root, `${this.#count++}-${name}`);
    const chain = await openTestChain(tree, dir, { clock: () => Math.floor(testNowMs() / 1000), ...chainOptions });
    const net = await P2PNetwork.create({ chain, mdns: false, nowMs: testNowMs, inboundConnectionsPerSecond: 1_000, ...options });
    await net.start();
    let closed = false;
    const node: TestNode = {
      name,
      chain,
      net,
      close: async () => {
        if (closed) return;
        closed = true;
        await net.stop();
        await chain.close();
      },
    };
    this.nodes.push(node);
    return node;
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Dials b from a and waits until both completed the handshake. */
export async function connect(a: TestNode, b: TestNode): Promise<void> {
  await a.net.dial(b.net.addresses()[0]!);
  await waitFor(() => a.net.readyPeers().includes(b.net.peerId) && b.net.readyPeers().includes(a.net.peerId), `${a.name} ↔ ${b.name} handshake`);
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function sameTip(a: TestNode, b: TestNode): boolean {
  return bytesEqual(a.chain.tip().hash, b.chain.tip().hash);
}

/** Feeds blocks straight into a node's chain (as its own miner would). */
export async function feed(node: TestNode, blocks: readonly Block[]): Promise<void> {
  for (const block of blocks) await node.chain.addBlock(block);
}

/**
 * A node whose gossiped transfers go into a real mempool (kept in `pools` under its name). The
 * pool reads the chain's accounts, and the chain opens with the network, so it is bound after.
 */
export async function nodeWithMempool(harness: Harness, tree: BlockTree, name: string, pools: Map<string, Mempool>): Promise<TestNode> {
  const node = await harness.node(tree, name, {
    mempool: { addTransfer: (tx, bytes, from) => networkMempool(pools.get(name)!).addTransfer(tx, bytes, from) },
  });
  pools.set(name, new Mempool(tree.params, node.chain.accounts()));
  return node;
}
