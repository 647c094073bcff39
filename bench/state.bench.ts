/**
 * The state commitment's cost: validating a block of 1,000 transfers (the full state transition,
 * state root included, on the parent's commitment) with 10,000, 100,000 and 1,000,000 accounts,
 * whose ratio shows whether a block's cost follows what it changes or how much state exists; the
 * state-root update per changed account; and the one-off cost of the trees: built from scratch,
 * or reopened from their stored bucket roots as a node does on open.
 * In memory: the account maps are built directly, no datadir.
 */
import type { Account, Transfer } from '../consensus/types.ts';
import { toHex } from '../consensus/hash.ts';
import { HEADER_VERSION } from '../consensus/params.ts';
import { buildGauntletBlock, connectBlockState, type ParentState } from '../consensus/connect.ts';
import { checkBlockBody } from '../consensus/block-rules.ts';
import { StateCommitment } from '../consensus/state-commitment.ts';
import { NEW_RATING, type Rating } from '../consensus/gauntlet/state.ts';
import { encodeBlock } from '../chain/block.ts';
import { NO_DATASET } from '../chain/dataset.ts';
import { testGenesis, testKeys, transfer } from '../test/util/fixtures.ts';
import { xorshift32 } from '../test/util/xorshift.ts';

const SIZES = [10_000, 100_000, 1_000_000];
const TRANSFERS = 1_000;
const RUNS = 3;

function ms(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

/** CPU time of this process since `start` (process.cpuUsage), in ms: steadier than wall time on a busy machine. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return Math.round((d.user + d.system) / 10) / 100;
}

/** n distinct pseudo-random addresses (xorshift32), as lowercase hex keys. */
function addresses(n: number, seed: number): string[] {
  const next = xorshift32(seed);
  const out = new Set<string>();
  while (out.size < n) {
    let key = '';
    for (let i = 0; i < 5; i++) key += next().toString(16).padStart(8, '0');
    out.add(key);
  }
  return [...out];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

export default async (): Promise<Record<string, unknown>> => {
  const genesis = testGenesis();
  const params = genesis.params;
  const keys = testKeys(4);
  const extra = addresses(SIZES[SIZES.length - 1]!, 12345);
  const bySize: Record<string, unknown> = {};
  const validateMs: number[] = [];
  const validateCpuMs: number[] = [];
  let perAccount: Record<string, number> = {};

  for (const size of SIZES) {
    const accounts = new Map<string, Account>(genesis.accounts);
    for (let i = 0; i < size; i++) accounts.set(extra[i]!, { balance: 1_000n + BigInt(i % 977), nonce: BigInt(i % 7) });
    const ratings = new Map<string, Rating>();
    for (let i = 0; i < Math.min(size, 10_000); i++) ratings.set(extra[i]!, NEW_RATING);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let start = performance.now();
    let cpu = process.cpuUsage();
    const commitment = StateCommitment.fromMaps(accounts, ratings);
    const buildMs = ms(start);
    const buildCpuMs = cpuMs(cpu);
    const heapMiB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
    // What a node does on open: the trees from their stored bucket roots, leaves hashed lazily.
    cpu = process.cpuUsage();
    const reopened = StateCommitment.fromStored(commitment.bucketRoots(), accounts, ratings);
    const reopenCpuMs = cpuMs(cpu);
    if (toHex(reopened.stateRoot()) !== toHex(commitment.stateRoot())) throw new Error('the reopened commitment has another root');

    // 1,000 transfers from the four funded keys to existing accounts spread over the whole state.
    const txs: Transfer[] = [];
    for (let i = 0; i < TRANSFERS; i++) {
      const from = i % 4;
      const recipient = Uint8Array.from(Buffer.from(extra[Math.floor((i * size) / TRANSFERS)]!, 'hex'));
      txs.push(transfer(params, keys[from]!, recipient, 10n, 1n, BigInt(Math.floor(i / 4))));
    }
    const parent: ParentState = { hash: genesis.hash, accounts, ratings, model: genesis.model, modelHash: genesis.block.header.modelHash, commitment };
    const header = {
      version: HEADER_VERSION,
      height: 1,
      parentHash: genesis.hash,
      timestamp: genesis.block.header.timestamp + 20,
      bits: genesis.block.header.bits,
      nonce: 0n,
      minerAddress: keys[3]!.address,
    };
    const { block } = buildGauntletBlock(params, NO_DATASET, parent, { header, txs, contributions: [] });
    const runs: number[] = [];
    const cpuRuns: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      start = performance.now();
      cpu = process.cpuUsage();
      connectBlockState(params, NO_DATASET, parent, block);
      runs.push(ms(start));
      cpuRuns.push(cpuMs(cpu));
    }
    const stateful = median(runs);
    const statefulCpu = median(cpuRuns);
    start = performance.now();
    cpu = process.cpuUsage();
    checkBlockBody(params, block, encodeBlock(block).length);
    const stateless = ms(start);
    const statelessCpu = cpuMs(cpu);
    validateMs.push(stateful + stateless);
    validateCpuMs.push(statefulCpu + statelessCpu);

    // The state root alone: one changed account, then 1,000.
    const one = new Map([[extra[0]!, { balance: 1n, nonce: 1n }]]);
    const many = new Map(extra.slice(0, 1_000).map((k) => [k, { balance: 2n, nonce: 2n }] as const));
    cpu = process.cpuUsage();
    for (let r = 0; r < 100; r++) commitment.preview(one, new Map());
    const oneMs = cpuMs(cpu) / 100;
    cpu = process.cpuUsage();
    commitment.preview(many, new Map());
    const manyMs = cpuMs(cpu);
    perAccount = { singleChangeCpuMs: Math.round(oneMs * 1000) / 1000, perAccountIn1000CpuMs: Math.round((manyMs / 1_000) * 1000) / 1000 };

    bySize[String(size)] = {
      accounts: accounts.size,
      ratings: ratings.size,
      stateTransitionMs: stateful,
      stateTransitionCpuMs: statefulCpu,
      statelessRulesMs: stateless,
      statelessRulesCpuMs: statelessCpu,
      validateMs: Math.round((stateful + stateless) * 100) / 100,
      validateCpuMs: Math.round((statefulCpu + statelessCpu) * 100) / 100,
      treeBuildFromScratchMs: buildMs,
      treeBuildFromScratchCpuMs: buildCpuMs,
      treeOpenFromBucketRootsCpuMs: reopenCpuMs,
      treeHeapMiB: heapMiB,
      stateRootUpdate: perAccount,
      stateRoot: toHex(block.header.stateRoot).slice(0, 16),
    };
  }
  return {
    transfersPerBlock: TRANSFERS,
    bySize,
    validateRatioLargestToSmallest: Math.round((validateMs[validateMs.length - 1]! / validateMs[0]!) * 100) / 100,
    validateCpuRatioLargestToSmallest: Math.round((validateCpuMs[validateCpuMs.length - 1]! / validateCpuMs[0]!) * 100) / 100,
  };
};
