/**
 * Training throughput of the fast engine (trainer/fast/) beside tfjs-wasm, and the scale table's
 * training rows: predicted tokens per second of the AdamW inner loop (batch 8 × context tokens,
 * gradient clipping on) for the default model, a 4-layer width-128 model and a 6-layer width-256
 * model. Each figure is taken twice (rounds), as wall-clock and as CPU-time throughput: on a
 * machine shared with other work the CPU-time figure is the steadier one (for two threads it is
 * the CPU time of the calling thread's process, both threads together, so only wall-clock shows
 * their gain).
 */
import { cpus } from 'node:os';
import { selectBackend } from '../trainer/engine/backends.ts';
import { trainInner } from '../trainer/engine/train.ts';
import { fastTrain, fastTrainInner } from '../trainer/fast/train.ts';
import { initParams } from '../trainer/init.ts';
import { paramLayout } from '../trainer/layout.ts';
import type { ParamLayout } from '../trainer/layout.ts';
import { DEFAULT_MODEL_SPEC } from '../trainer/spec.ts';
import type { ModelSpec } from '../trainer/spec.ts';

const BATCH = 8;
const ROUNDS = 2;
const HYPER = { lr: 1e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1 } as const;
const TEXT = new TextEncoder().encode(
  'The Fulton County Grand Jury said Friday an investigation of recent primary election produced no evidence that any irregularities took place. '.repeat(8),
);

const MODELS: readonly { readonly name: string; readonly spec: ModelSpec; readonly steps: number }[] = [
  { name: 'default (2 layers, width 64)', spec: DEFAULT_MODEL_SPEC, steps: 40 },
  { name: '4 layers, width 128', spec: { ...DEFAULT_MODEL_SPEC, layers: 4, width: 128, heads: 4 }, steps: 10 },
  { name: '6 layers, width 256', spec: { ...DEFAULT_MODEL_SPEC, layers: 6, width: 256, heads: 8 }, steps: 4 },
];

function batches(contextLength: number): (step: number) => Uint8Array[] {
  const span = TEXT.length - contextLength - 1;
  return (step) => Array.from({ length: BATCH }, (_, i) => {
    const start = (step * 131 + i * 977) % span;
    return TEXT.subarray(start, start + contextLength + 1);
  });
}

interface Throughput {
  readonly wallTokensPerSecond: number;
  readonly cpuTokensPerSecond: number;
}

async function timed(layout: ParamLayout, steps: number, run: (steps: number) => Promise<unknown>): Promise<Throughput[]> {
  await run(2); // warm-up: compilation, tier-up, workspaces
  const tokens = steps * BATCH * layout.spec.contextLength;
  const figures: Throughput[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(steps);
    const wall = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    figures.push({
      wallTokensPerSecond: Math.round(tokens / wall),
      cpuTokensPerSecond: Math.round(tokens / ((used.user + used.system) / 1e6)),
    });
  }
  return figures;
}

export default async (): Promise<Record<string, unknown>> => {
  const table: Record<string, unknown>[] = [];
  for (const { name, spec, steps } of MODELS) {
    const layout = paramLayout(spec);
    const params = initParams(layout, new TextEncoder().encode('bench'));
    const source = batches(spec.contextLength);
    const fast = await timed(layout, steps, (n) => Promise.resolve(fastTrain({ layout, params, batches: source, steps: n, ...HYPER })));
    const fastTwo = await timed(layout, steps, (n) => fastTrainInner({ layout, params, batches: source, steps: n, threads: 2, ...HYPER }));
    await selectBackend('wasm');
    const tfjs = await timed(layout, Math.max(2, Math.ceil(steps / 4)), (n) => trainInner({ layout, params, batches: source, steps: n, ...HYPER }));
    const best = (figures: Throughput[]): number => Math.max(...figures.map((f) => f.wallTokensPerSecond));
    table.push({
      model: name,
      parameters: layout.total,
      fast1Thread: fast,
      fast2Threads: fastTwo,
      tfjsWasm: tfjs,
      speedupWall: Number((best(fast) / best(tfjs)).toFixed(2)),
    });
  }
  return {
    batch: `${BATCH} × context tokens, AdamW, gradient clipping`,
    cpu: cpus()[0]?.model ?? 'unknown',
    rounds: ROUNDS,
    training: table,
  };
};
