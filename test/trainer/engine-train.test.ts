import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { isEngineError } from '../../trainer/engine/errors.ts';
import { tfjsLoss } from '../../trainer/engine/gpt.ts';
import { pseudoGradient, trainInner } from '../../trainer/engine/train.ts';
import type { TrainOptions } from '../../trainer/engine/train.ts';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';
import { assertClippingScalesGradient, assertFirstAdamWStep, assertLossFalls, brownCorpusRun, TEST_ADAMW, type EngineUnderTest } from './training-checks.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const layout = paramLayout(DEFAULT_MODEL_SPEC);

/** Deterministic batches of `size` windows of `length` bytes from fixed text. */
function fixedBatches(size: number, length: number): (step: number) => Uint8Array[] {
  const text = utf8('It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. '.repeat(4));
  return (step) => Array.from({ length: size }, (_, i) => text.subarray((step * 7 + i * 13) % 300, ((step * 7 + i * 13) % 300) + length));
}

function options(overrides: Partial<TrainOptions>): TrainOptions {
  return { layout, params: initParams(layout, utf8('train')), batches: fixedBatches(2, 17), steps: 2, ...TEST_ADAMW, ...overrides };
}

const tfjsEngine: EngineUnderTest = { options, train: trainInner };

test('training on the Brown corpus lowers the loss clearly from ln 256', async () => {
  await selectBackend('wasm');
  const { start, batches, heldOut } = await brownCorpusRun(layout);
  const seen: number[] = [];
  const result = await trainInner({ layout, params: start, batches, steps: 30, ...TEST_ADAMW, gradClip: 1, onStep: (step, loss) => seen.push(step, loss) });
  assert.equal(result.losses.length, 30);
  // Measured: 5.53 at step 0, about 3.2 over the last five steps (wasm); the margin is wide.
  assertLossFalls(result.losses);
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
  await assertFirstAdamWStep(layout, tfjsEngine);
});

test('gradient clipping scales the whole gradient by maxNorm / ‖g‖', async () => {
  await selectBackend('wasm');
  await assertClippingScalesGradient(tfjsEngine);
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
