/**
 * The verifier's speed (issue 11's table, side by side with the figures before this work, taken
 * on the same 2-core machine): the reference evaluator's tokens per second; validating a block of
 * 8 contributions with connectBlockState at 1 and 2 verifier threads; replaying blocks of 8
 * contributions through a Chain on LevelDB, scoring everything and with an assume-valid
 * checkpoint above them; and the scale table a genesis author needs (evaluator tokens/s and
 * validation ms at 1 and 2 threads for the default model, 4 layers of width 128 and 6 layers of
 * width 256). Times are wall-clock, best of a few runs, each beside the CPU time the process spent
 * (every thread counted), which a machine loaded by other work disturbs far less: on an idle
 * machine a 2-thread figure's wall time approaches half its CPU time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBlockState } from '../consensus/connect.ts';
import { loadGenesis } from '../chain/genesis.ts';
import { Chain } from '../chain/chain.ts';
import { headerHash } from '../chain/header.ts';
import { initParams } from '../trainer/init.ts';
import { paramLayout } from '../trainer/layout.ts';
import { createPrng } from '../trainer/prng.ts';
import { preparedLoss, prepareModel } from '../trainer/reference/index.ts';
import { sequentialLossBatch, type LossBatch } from '../trainer/reference/loss-batch.ts';
import type { ModelSpec } from '../trainer/spec.ts';
import { LossWorkerPool } from '../src/verifier/loss-pool.ts';
import { genesisState } from '../test/util/gauntlet-fixtures.ts';
import { contributionChain } from '../test/verifier/contribution-chain.ts';
import { testGenesisParams } from '../test/util/fixtures.ts';

/** Issue 11's figures before this work (same machine, one core). */
const BEFORE = { evaluatorTokensPerSecond: 32_500, validate8Ms: 583, replayBlocksPerSecond: 1.2 };
const GOALS = { validate8MsOn2Cores: 150, replayBlocksPerSecond: 10, replayWithCheckpointBlocksPerSecond: 50 };
const REPLAY_BLOCKS = 6;

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function best(runs: number, fn: () => void): { wallMs: number; cpuMs: number } {
  let wallMs = Infinity;
  let cpuMs = Infinity;
  for (let r = 0; r < runs; r++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    fn();
    wallMs = Math.min(wallMs, performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuMs = Math.min(cpuMs, (used.user + used.system) / 1000);
  }
  return { wallMs, cpuMs };
}

function evaluatorTokensPerSecond(spec: ModelSpec, runs: number): { wall: number; cpu: number } {
  const layout = paramLayout(spec);
  const seed = new TextEncoder().encode('bench');
  const model = prepareModel(layout, initParams(layout, seed));
  const prng = createPrng(seed);
  const sequences = Array.from({ length: 16 }, () => Uint8Array.from({ length: spec.contextLength + 1 }, () => prng.nextU32() & 0xff));
  preparedLoss(model, sequences);
  const t = best(runs, () => void preparedLoss(model, sequences));
  const tokens = sequences.length * spec.contextLength;
  return { wall: Math.round(tokens / (t.wallMs / 1000)), cpu: Math.round(tokens / (t.cpuMs / 1000)) };
}

interface Validation {
  readonly oneThreadMs: number;
  readonly oneThreadCpuMs: number;
  readonly twoThreadsMs: number;
  /** Both threads' CPU time together. */
  readonly twoThreadsCpuMs: number;
}

/** Validation of one block of 8 contributions at 1 and 2 threads, ms. */
async function validation(spec: ModelSpec, runs: number, pool: LossWorkerPool): Promise<Validation> {
  // Larger models send larger pseudo-gradients: room for them, as their genesis would give.
  const base = testGenesisParams();
  const { genesis, dataset, blocks } = await contributionChain(1, 8, {
    model: spec,
    gauntlet: { ...base.gauntlet, maxPayloadBytes: 2 ** 20 },
    limits: { ...base.limits, maxBlockBytes: 32 * 2 ** 20 },
  });
  const parent = genesisState(genesis);
  const time = (lossBatch: LossBatch): { wallMs: number; cpuMs: number } =>
    best(runs, () => void connectBlockState(genesis.params, dataset, parent, blocks[0]!, { lossBatch }));
  const one = time(sequentialLossBatch);
  const two = time(pool.lossBatch);
  return { oneThreadMs: round(one.wallMs), oneThreadCpuMs: round(one.cpuMs), twoThreadsMs: round(two.wallMs), twoThreadsCpuMs: round(two.cpuMs) };
}

async function replay(pool: LossWorkerPool): Promise<Record<string, number>> {
  const testnet = (await loadGenesis()).params;
  const { genesis, dataset, blocks } = await contributionChain(REPLAY_BLOCKS, 8, { model: testnet.model, modelInitSeed: testnet.modelInitSeed });
  const root = mkdtempSync(join(tmpdir(), 'gc-verifier-bench-'));
  let dirs = 0;
  const figures: Record<string, number> = { blocks: blocks.length, contributionsPerBlock: 8 };
  const run = async (name: string, options: { lossBatch?: LossBatch; assumeValid?: Uint8Array }): Promise<void> => {
    const chain = await Chain.open({ location: join(root, String(dirs++)), genesis, dataset, clock: () => 2_000_000_000, ...options });
    chain.noteHeaders(blocks.map((b) => b.header));
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const block of blocks) await chain.addBlock(block);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    await chain.close();
    figures[`blocksPerSecond${name}`] = round(blocks.length / seconds, 2);
    figures[`cpuMsPerBlock${name}`] = Math.round((used.user + used.system) / 1000 / blocks.length);
  };
  try {
    const checkpoint = headerHash(blocks[blocks.length - 1]!.header);
    await run('1Thread', {});
    await run('2Threads', { lossBatch: pool.lossBatch });
    await run('AssumeValid', { assumeValid: checkpoint });
    return figures;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export default async function verifierBench(): Promise<Record<string, unknown>> {
  const testnetModel = (await loadGenesis()).params.model;
  const pool = await LossWorkerPool.start({ workers: 1 });
  try {
    const specs: [string, ModelSpec, number][] = [
      ['default', testnetModel, 3],
      ['4 layers, width 128', { ...testnetModel, layers: 4, width: 128 }, 2],
      ['6 layers, width 256', { ...testnetModel, layers: 6, width: 256 }, 1],
    ];
    type ScaleRow = Validation & { model: string; parameters: number; evaluatorTokensPerSecond: number; evaluatorTokensPerCpuSecond: number };
    const scale: ScaleRow[] = [];
    for (const [name, spec, runs] of specs) {
      const tokens = evaluatorTokensPerSecond(spec, runs * 3);
      scale.push({
        model: name,
        parameters: paramLayout(spec).total,
        evaluatorTokensPerSecond: tokens.wall,
        evaluatorTokensPerCpuSecond: tokens.cpu,
        ...(await validation(spec, runs, pool)),
      });
    }
    const replayed = await replay(pool);
    const base = scale[0]!;
    return {
      table: [
        { what: 'evaluator tokens/s (float32, one thread)', before: BEFORE.evaluatorTokensPerSecond, now: base.evaluatorTokensPerSecond, nowPerCpuSecond: base.evaluatorTokensPerCpuSecond },
        { what: 'validate 8 contributions, ms, 1 thread', before: BEFORE.validate8Ms, now: base.oneThreadMs, nowCpuMs: base.oneThreadCpuMs },
        { what: 'validate 8 contributions, ms, 2 threads', before: null, now: base.twoThreadsMs, nowCpuMs: base.twoThreadsCpuMs, goal: GOALS.validate8MsOn2Cores },
        {
          what: 'replay blocks/s, 8 contributions, 1 thread',
          before: BEFORE.replayBlocksPerSecond,
          now: replayed['blocksPerSecond1Thread'],
          nowCpuMsPerBlock: replayed['cpuMsPerBlock1Thread'],
          goal: GOALS.replayBlocksPerSecond,
        },
        {
          what: 'replay blocks/s, 8 contributions, 2 threads',
          before: null,
          now: replayed['blocksPerSecond2Threads'],
          nowCpuMsPerBlock: replayed['cpuMsPerBlock2Threads'],
          goal: GOALS.replayBlocksPerSecond,
        },
        {
          what: 'replay blocks/s, 8 contributions, assume-valid',
          before: null,
          now: replayed['blocksPerSecondAssumeValid'],
          nowCpuMsPerBlock: replayed['cpuMsPerBlockAssumeValid'],
          goal: GOALS.replayWithCheckpointBlocksPerSecond,
        },
      ],
      scale,
      replay: replayed,
    };
  } finally {
    await pool.close();
  }
}
