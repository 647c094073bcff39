/**
 * What the tfjs engine's tests (engine-train.test.ts) and the fast engine's (fast-train.test.ts)
 * both hold their engine to: AdamW's first step and global-norm clipping as torch computes them,
 * and learning from the Brown corpus. One copy, so that both engines meet the same checks.
 */
import assert from 'node:assert/strict';
import { pseudoGradient, type TrainOptions, type TrainResult } from '../../trainer/engine/train.ts';
import { loadBrownCorpus } from '../../trainer/io/corpus-loader.ts';
import { initParams } from '../../trainer/init.ts';
import type { ParamLayout } from '../../trainer/layout.ts';
import { createDataset } from '../../trainer/pages.ts';
import { createPrng } from '../../trainer/prng.ts';
import { evalWindows, trainingBatch } from '../../trainer/windows.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The AdamW settings these tests train with (clipping is each test's choice). */
export const TEST_ADAMW = { lr: 3e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8 } as const;

/**
 * An engine under test: the test's options with the overrides given and no gradient clipping
 * (each test file has its own batches and start), and the engine's training call.
 */
export interface EngineUnderTest {
  readonly options: (overrides: Partial<TrainOptions>) => TrainOptions;
  readonly train: (opts: TrainOptions) => TrainResult | Promise<TrainResult>;
}

/** One step moves each weight by at most lr, and decays only matrices and embeddings. */
export async function assertFirstAdamWStep(layout: ParamLayout, engine: EngineUnderTest): Promise<void> {
  const lr = 0.01;
  const weightDecay = 50; // p·(1 − lr·λ) halves the decaying tensors: a decay applied to the wrong kind shows
  // Weights of about 0.2, so that a decay skipped or misapplied moves them by far more than lr.
  const start = initParams(layout, utf8('adamw'));
  for (const slot of layout.tensors) {
    if (slot.kind === 'matrix' || slot.kind === 'embedding') start.subarray(slot.offset, slot.offset + slot.size).forEach((p, i, a) => (a[i] = p * 10));
  }
  const { params: end } = await engine.train(engine.options({ params: start, lr, weightDecay, steps: 1 }));
  // After one step m̂ = g and v̂ = g², so the Adam move is lr·g/(|g| + ε): lr for every weight
  // whose gradient is well above ε, and 0 where g = 0 (positions past the batch's length).
  let full = 0;
  for (const slot of layout.tensors) {
    const decay = slot.kind === 'matrix' || slot.kind === 'embedding' ? 1 - lr * weightDecay : 1;
    for (let i = slot.offset; i < slot.offset + slot.size; i++) {
      const step = Math.abs(Math.fround(start[i]! * decay) - end[i]!);
      if (Math.abs(step - lr) < 1e-5) full++;
      assert.ok(step < lr + 1e-5, `${slot.name}[${i - slot.offset}] moved ${step}`);
    }
  }
  assert.ok(full > layout.total * 0.75, `only ${full} of ${layout.total} weights moved by lr`);
}

/** Clipping to maxNorm scales the whole gradient by maxNorm / ‖g‖; a bound above ‖g‖ leaves it. */
export async function assertClippingScalesGradient(engine: EngineUnderTest): Promise<void> {
  // With ε far above |g|, the first step is lr·g/ε: linear in g, so it exposes the clipping factor.
  const base = engine.options({ steps: 1, weightDecay: 0, lr: 1e5, eps: 1e6 });
  const scale = base.eps / base.lr;
  const unclipped = pseudoGradient(base.params, (await engine.train(base)).params);
  const norm = Math.sqrt(unclipped.reduce((sum, d) => sum + (d * scale) ** 2, 0));
  const clipped = pseudoGradient(base.params, (await engine.train({ ...base, gradClip: norm / 4 })).params);
  const loose = pseudoGradient(base.params, (await engine.train({ ...base, gradClip: norm * 4 })).params);
  let checked = 0;
  for (let i = 0; i < unclipped.length; i++) {
    if (Math.abs(unclipped[i]!) < 1e-3) continue; // smaller moves are lost in float32 rounding of p − Δ
    checked++;
    assert.ok(Math.abs(clipped[i]! / unclipped[i]! - 0.25) < 1e-2, `ratio ${clipped[i]! / unclipped[i]!} at ${i}`);
    assert.ok(Math.abs(loose[i]! / unclipped[i]! - 1) < 1e-2, `ratio ${loose[i]! / unclipped[i]!} at ${i}`);
  }
  assert.ok(checked > 1000, `only ${checked} weights moved enough to compare`);
}

export interface BrownCorpusRun {
  readonly start: Float32Array;
  /** Step s's batch: 8 windows of 65 bytes from the first 64 training pages, drawn by a seeded PRNG. */
  readonly batches: (step: number) => Uint8Array[];
  /** 8 windows of the first held-out page: text the run never trains on. */
  readonly heldOut: Uint8Array[];
}

/** The Brown corpus run both engines must learn from (each call draws the same batches). */
export async function brownCorpusRun(layout: ParamLayout): Promise<BrownCorpusRun> {
  const dataset = createDataset(await loadBrownCorpus());
  const pages = Array.from({ length: 64 }, (_, j) => dataset.trainingPage(j));
  const prng = createPrng(utf8('brown-batches'));
  return {
    start: initParams(layout, utf8('gradientcoin-test')),
    batches: () => trainingBatch(pages, 64, 8, () => prng.nextU32()),
    heldOut: evalWindows(dataset.heldOutPage(0), 64, 8),
  };
}

/** The first loss is ln 256 (a uniform guess over bytes) and the last five steps' mean well below it. */
export function assertLossFalls(losses: readonly number[]): void {
  const first = losses[0]!;
  const lastFive = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  assert.ok(Math.abs(first - Math.log(256)) < 0.1, `first loss ${first}`);
  assert.ok(lastFive < first - 1.5, `losses ${losses.map((l) => l.toFixed(2)).join(' ')}`);
}
