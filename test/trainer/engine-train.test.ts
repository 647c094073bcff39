import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { isEngineError } from '../../trainer/engine/errors.ts';
import { tfjsLoss } from '../../trainer/engine/gpt.ts';
import { pseudoGradient, trainInner } from '../../trainer/engine/train.ts';
import type { TrainOptions } from '../../trainer/engine/train.ts';
import { loadBrownCorpus } from '../../trainer/io/corpus-loader.ts';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { createDataset } from '../../trainer/pages.ts';
import { createPrng } from '../../trainer/prng.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';
import { evalWindows, trainingBatch } from '../../trainer/windows.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const layout = paramLayout(DEFAULT_MODEL_SPEC);
const HYPER = { lr: 3e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8 } as const;

/** Deterministic batches of `size` windows of `length` bytes from fixed text. */
function fixedBatches(size: number, length: number): (step: number) => Uint8Array[] {
  const text = utf8('It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. '.repeat(4));
  return (step) => Array.from({ length: size }, (_, i) => text.subarray((step * 7 + i * 13) % 300, ((step * 7 + i * 13) % 300) + length));
}

function options(overrides: Partial<TrainOptions>): TrainOptions {
  return { layout, params: initParams(layout, utf8('train')), batches: fixedBatches(2, 17), steps: 2, ...HYPER, ...overrides };
}

test('training on the Brown corpus lowers the loss clearly from ln 256', async () => {
  await selectBackend('wasm');
  const dataset = createDataset(await loadBrownCorpus());
  const pages = Array.from({ length: 64 }, (_, j) => dataset.trainingPage(j));
  const heldOut = evalWindows(dataset.heldOutPage(0), 64, 8);
  const prng = createPrng(utf8('brown-batches'));
  const start = initParams(layout, utf8('gradientcoin-test'));
  const seen: number[] = [];
  const result = await trainInner({
    layout,
    params: start,
    batches: () => trainingBatch(pages, 64, 8, () => prng.nextU32()),
    steps: 30,
    ...HYPER,
    gradClip: 1,
    onStep: (step, loss) => seen.push(step, loss),
  });
  // Measured: 5.53 at step 0, about 3.2 over the last five steps (wasm); the margin is wide.
  const first = result.losses[0]!;
  const lastFive = result.losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  assert.equal(result.losses.length, 30);
  assert.ok(Math.abs(first - Math.log(256)) < 0.1, `first loss ${first}`);
  assert.ok(lastFive < first - 1.5, `losses ${result.losses.map((l) => l.toFixed(2)).join(' ')}`);
  assert.deepEqual(seen.filter((_, i) => i % 2 === 0), [...Array(30).keys()]);
  assert.deepEqual(seen.filter((_, i) => i % 2 === 1), result.losses);
  assert.ok(result.tokensPerSecond > 0);
  // It learned the language, not the batches: held-out text improves as much.
  const before = await tfjsLoss(layout, start, heldOut);
  const after = await tfjsLoss(layout, result.params, heldOut);
  assert.ok(after < before - 1.5, `held-out loss ${before} → ${after}`);
});

test('no tensor survives a training call', async () => {
  await selectBackend('wasm');
  await trainInner(options({ gradClip: 1 }));
  const before = tf.memory().numTensors;
  await trainInner(options({ gradClip: 1 }));
  await trainInner(options({}));
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(trainInner(options({ batches: [[utf8('ab')]], steps: 2 })), (e: unknown) => isEngineError(e, 'invalid-argument') && /ran out after 1/.test(e.reason));
  await assert.rejects(trainInner(options({ batches: () => [new Uint8Array(70)] })), (e: unknown) => isEngineError(e, 'invalid-argument'));
  assert.equal(tf.memory().numTensors, before);
});

test('training is a pure function of its inputs on one backend', async () => {
  await selectBackend('wasm');
  const opts = options({ steps: 3 });
  const a = await trainInner(opts);
  const b = await trainInner(opts);
  assert.deepEqual(a.losses, b.losses);
  assert.deepEqual(a.params, b.params);
  assert.notDeepEqual(a.params, opts.params);
  // Zero steps return the start unchanged.
  assert.deepEqual((await trainInner(options({ steps: 0 }))).params, opts.params);
});

test('batches may come from an iterable of lists of sequences of mixed lengths', async () => {
  await selectBackend('wasm');
  const batches = [[utf8('hello, world'), utf8('hi'), utf8('goodbye, world')], [utf8('abc'), utf8('abd')]];
  const opts = options({ batches, steps: 2 });
  const result = await trainInner(opts);
  assert.equal(result.losses.length, 2);
  // The training loss is the same mean over every predicted position that tfjsLoss computes.
  assert.ok(Math.abs(result.losses[0]! - (await tfjsLoss(layout, opts.params, batches[0]!))) < 1e-5);
  assert.ok(Math.abs(result.losses[1]! - (await tfjsLoss(layout, (await trainInner({ ...opts, steps: 1 })).params, batches[1]!))) < 1e-5);
});

test('the first AdamW step moves each weight by at most lr, and decays only matrices and embeddings', async () => {
  await selectBackend('wasm');
  const lr = 0.01;
  const weightDecay = 50; // p·(1 − lr·λ) halves the decaying tensors: a decay applied to the wrong kind shows
  // Weights of about 0.2, so that a decay skipped or misapplied moves them by far more than lr.
  const start = initParams(layout, utf8('adamw'));
  for (const slot of layout.tensors) {
    if (slot.kind === 'matrix' || slot.kind === 'embedding') start.subarray(slot.offset, slot.offset + slot.size).forEach((p, i, a) => (a[i] = p * 10));
  }
  const { params: end } = await trainInner(options({ params: start, lr, weightDecay, steps: 1 }));
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
});

test('gradient clipping scales the whole gradient by maxNorm / ‖g‖', async () => {
  await selectBackend('wasm');
  // With ε far above |g|, the first step is lr·g/ε: linear in g, so it exposes the clipping factor.
  const base = options({ steps: 1, weightDecay: 0, lr: 1e5, eps: 1e6 });
  const scale = base.eps / base.lr;
  const unclipped = pseudoGradient(base.params, (await trainInner(base)).params);
  const norm = Math.sqrt(unclipped.reduce((sum, d) => sum + (d * scale) ** 2, 0));
  const clipped = pseudoGradient(base.params, (await trainInner({ ...base, gradClip: norm / 4 })).params);
  const loose = pseudoGradient(base.params, (await trainInner({ ...base, gradClip: norm * 4 })).params);
  let checked = 0;
  for (let i = 0; i < unclipped.length; i++) {
    if (Math.abs(unclipped[i]!) < 1e-3) continue; // smaller moves are lost in float32 rounding of p − Δ
    checked++;
    assert.ok(Math.abs(clipped[i]! / unclipped[i]! - 0.25) < 1e-2, `ratio ${clipped[i]! / unclipped[i]!} at ${i}`);
    assert.ok(Math.abs(loose[i]! / unclipped[i]! - 1) < 1e-2, `ratio ${loose[i]! / unclipped[i]!} at ${i}`);
  }
  assert.ok(checked > 1000, `only ${checked} weights moved enough to compare`);
});

test('pseudoGradient is start − end in float32', () => {
  const start = Float32Array.of(1, 0.5, -2, 3);
  const end = Float32Array.of(0.75, 0.5, -1, 3.5);
  assert.deepEqual(pseudoGradient(start, end), Float32Array.of(0.25, 0, -1, -0.5));
  assert.throws(() => pseudoGradient(start, new Float32Array(3)), (e: unknown) => isEngineError(e, 'invalid-argument'));
});

test('a diverging run stops with a typed error instead of returning NaN parameters', async () => {
  await selectBackend('wasm');
  const params = initParams(layout, utf8('diverge'));
  params[5] = Number.NaN;
  const before = tf.memory().numTensors;
  await assert.rejects(trainInner(options({ params })), (e: unknown) => isEngineError(e, 'diverged') && /step 0 is NaN/.test(e.reason));
  assert.equal(tf.memory().numTensors, before);
});

test('options outside the contract are typed errors', async () => {
  for (const bad of [{ steps: -1 }, { steps: 1.5 }, { lr: Number.NaN }, { beta1: 1 }, { eps: 0 }, { gradClip: 0 }, { params: new Float32Array(5) }]) {
    await assert.rejects(trainInner(options(bad)), (e: unknown) => isEngineError(e, 'invalid-argument'), JSON.stringify(bad));
  }
});
