/**
 * A real FullNode in this process for RPC and node tests: a temporary datadir, the test genesis
 * (test/util/fixtures.ts: proof of work about every other hash), the P2P network on loopback with
 * mDNS off, the RPC server on a port the system picks, and a clock set past the genesis time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block } from '../../consensus/types.ts';
import { encodeBlock } from '../../chain/block.ts';
import { toHex } from '../../consensus/hash.ts';
import { FullNode, type FullNodeOptions } from '../../src/node/full-node.ts';
import { transferTemplate } from '../../src/node/block-template.ts';
import type { RpcCallOptions } from '../../src/rpc/client.ts';
import { testClockMs } from './clock.ts';
import { solve, testGenesis, testKeys, type TestKey } from './fixtures.ts';

export const GENESIS = testGenesis();
export const KEYS: readonly TestKey[] = testKeys(8);

export interface TestNode {
  readonly node: FullNode;
  readonly dir: string;
  readonly rpc: RpcCallOptions;
  /** Stops the node (if still running) and removes its datadir. */
  close(): Promise<void>;
}

export async function startTestNode(options: Partial<FullNodeOptions> = {}): Promise<TestNode> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-node-'));
  const node = await FullNode.start({
    datadir: dir,
    genesis: GENESIS,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    rpcPort: 0,
    statusIntervalMs: 0,
    clockMs: testClockMs,
    rpcOptions: { authFailureDelayMs: 5 },
    ...options,
  }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    node,
    dir,
    rpc: { port: node.rpcPort, datadir: dir },
    close: async () => {
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A solved block on the node's tip from its own template (with the mempool's transfers). */
export async function solvedBlock(node: FullNode, miner: Uint8Array = KEYS[7]!.address): Promise<Block> {
  const block = await transferTemplate({
    chain: node.chain,
    mempool: node.mempool,
    miner,
    now: Math.floor(node.clockMs() / 1000),
    signal: new AbortController().signal,
  });
  if (!block) throw new Error('no template');
  return Object.freeze({ ...block, header: solve(block.header) });
}

export function blockHex(block: Block): string {
  return toHex(encodeBlock(block));
}
