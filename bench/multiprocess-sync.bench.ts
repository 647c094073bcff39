/**
 * Sync speed between node processes: node A (a `gradientcoin node` process) already holds N
 * blocks; a fresh node B is started with A as its only bootnode, and the time until B's tip
 * reaches A's height is measured through B's RPC. Two chains: empty blocks (headers, storage and
 * the network) and blocks of transfers (signature checks dominate). Loopback only, mDNS off.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../chain/chain.ts';
import { signTransfer } from '../chain/tx.ts';
import { addressHash } from '../consensus/address.ts';
import type { Transfer } from '../consensus/types.ts';
import { keyPairFromSecret } from '../chain/keys.ts';
import { buildTemplate } from '../src/miner/template.ts';
import { FUNDED, NodeProcess, writeTestGenesis, type TestNetworkGenesis } from '../test/util/node-process.ts';
import { EASY_BITS, solve } from '../test/util/fixtures.ts';

const BLOCK_TIME = 20;

interface Scenario {
  readonly name: string;
  readonly blocks: number;
  readonly transfersPerBlock: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'empty', blocks: 1_000, transfersPerBlock: 0 },
  { name: 'transfers', blocks: 100, transfersPerBlock: 20 },
];

/** Writes a chain of `s.blocks` blocks, on schedule, into `datadir` (as node A's own chain). */
async function buildChain(net: TestNetworkGenesis, datadir: string, s: Scenario): Promise<void> {
  const chain = await Chain.open({ location: join(datadir, 'chain'), genesis: net.genesis });
  const miner = addressHash(keyPairFromSecret(new Uint8Array(32).fill(7)).publicKey);
  const recipient = addressHash(keyPairFromSecret(new Uint8Array(32).fill(3)).publicKey);
  let nonce = 0n;
  try {
    for (let i = 1; i <= s.blocks; i++) {
      const txs: Transfer[] = [];
      for (let k = 0; k < s.transfersPerBlock; k++) {
        txs.push(
          signTransfer(
            { chainId: net.genesis.hash, senderPublicKey: FUNDED.publicKey, recipient, amount: 1_000n, fee: 1n, nonce: nonce++ },
            FUNDED.secretKey,
          ),
        );
      }
      const { block } = buildTemplate(chain.params, chain.tipState(), { miner, now: net.genesis.block.header.timestamp + BLOCK_TIME * i, candidates: txs });
      if (block.txs.length !== txs.length) throw new Error('a transfer did not apply');
      await chain.addBlock({ ...block, header: solve(block.header) });
    }
  } finally {
    await chain.close();
  }
}

async function measure(root: string, s: Scenario): Promise<Record<string, unknown>> {
  const dir = join(root, s.name);
  await mkdir(dir);
  // Every block on schedule and in the past: ASERT keeps the genesis bits, no clock limit is near.
  const net = await writeTestGenesis(dir, { bits: EASY_BITS, blockTimeSeconds: BLOCK_TIME, ageSeconds: BLOCK_TIME * (s.blocks + 10) });
  let start = performance.now();
  await buildChain(net, join(dir, 'a'), s);
  const buildSeconds = (performance.now() - start) / 1000;
  const nodes: NodeProcess[] = [];
  try {
    const a = await NodeProcess.start({ name: 'a', datadir: join(dir, 'a'), genesis: net.path, logLevel: 'warn' });
    nodes.push(a);
    const height = await a.call<number>('getblockcount');
    if (height !== s.blocks) throw new Error(`node A holds ${height} blocks, not ${s.blocks}`);
    start = performance.now();
    const b = await NodeProcess.start({ name: 'b', datadir: join(dir, 'b'), genesis: net.path, bootnodes: [await a.address()], logLevel: 'warn' });
    nodes.push(b);
    const ready = performance.now();
    for (;;) {
      if ((await b.call<number>('getblockcount')) >= s.blocks) break;
      if (performance.now() - ready > 300_000) throw new Error(`node B did not sync within 300 s:\n${b.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const done = performance.now();
    const syncSeconds = (done - ready) / 1000;
    for (const node of nodes) await node.call('stop');
    await Promise.all(nodes.map((n) => n.exited));
    return {
      blocks: s.blocks,
      transfersPerBlock: s.transfersPerBlock,
      buildChainSeconds: round(buildSeconds),
      startToRpcSeconds: round((ready - start) / 1000),
      syncSeconds: round(syncSeconds),
      blocksPerSecond: round(s.blocks / syncSeconds),
      ...(s.transfersPerBlock > 0 ? { transfersPerSecond: round((s.blocks * s.transfersPerBlock) / syncSeconds) } : {}),
    };
  } finally {
    for (const node of nodes) node.kill();
    await Promise.all(nodes.map((n) => n.exited));
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export default async (): Promise<Record<string, unknown>> => {
  const root = await mkdtemp(join(tmpdir(), 'gc-sync-bench-'));
  try {
    const out: Record<string, unknown> = {};
    for (const s of SCENARIOS) out[s.name] = await measure(root, s);
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
};
