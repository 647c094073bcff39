import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { isEngineError } from '../../trainer/engine/errors.ts';
import { pseudoGradient, trainInner } from '../../trainer/engine/train.ts';
import type { TrainOptions } from '../../trainer/engine/train.ts';
import { fastLoss, fastTrain, fastTrainInner } from '../../trainer/fast/train.ts';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { referenceLoss } from '../../trainer/reference/loss.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';
import { assertClippingScalesGradient, assertFirstAdamWStep, assertLossFalls, brownCorpusRun, TEST_ADAMW, type EngineUnderTest } from './training-checks.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const layout = paramLayout(DEFAULT_MODEL_SPEC);
const HYPER = { ...TEST_ADAMW, gradClip: 1 } as const;
const TEXT = utf8('It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. '.repeat(6));

function fixedBatches(size: number, length: number): (step: number) => Uint8Array[] {
  return (step) => Array.from({ length: size }, (_, i) => {
    const start = (step * 37 + i * 53) % (TEXT.length - length);
    return TEXT.subarray(start, start + length);
  });
}

type Overrides = Omit<Partial<TrainOptions>, 'gradClip'> & { readonly gradClip?: number | undefined };

/** The options with `overrides` applied; gradClip: undefined turns clipping off. */
function options(overrides: Overrides): TrainOptions {
  const { gradClip, ...rest } = { ...HYPER, ...overrides };
  return { layout, params: initParams(layout, utf8('fast train')), batches: fixedBatches(8, 65), steps: 3, ...rest, ...(gradClip === undefined ? {} : { gradClip }) };
}

const fastEngine: EngineUnderTest = { options: (overrides) => options({ ...overrides, gradClip: undefined }), train: fastTrain };

test("a few AdamW steps land where the tfjs engine's land", async () => {
  await selectBackend('wasm');
  const opts = options({ steps: 4 });
  const tfjs = await trainInner(opts);
  const fast = fastTrain(opts);
  const tfjsDelta = pseudoGradient(opts.params, tfjs.params);
  const fastDelta = pseudoGradient(opts.params, fast.params);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < tfjsDelta.length; i++) {
    diff += (fastDelta[i]! - tfjsDelta[i]!) ** 2;
    norm += tfjsDelta[i]! ** 2;
  }
  // Adam divides by √v, so a weight whose gradient is near zero moves by rounding noise in either
  // engine; the updates as a whole agree closely (measured: 8e-6 of the update's norm).
  assert.ok(Math.sqrt(diff / norm) < 1e-4, `‖Δ_fast − Δ_tfjs‖ / ‖Δ_tfjs‖ = ${Math.sqrt(diff / norm)}`);
  fast.losses.forEach((loss, s) => assert.ok(Math.abs(loss - tfjs.losses[s]!) < 1e-4, `step ${s}: ${loss} vs ${tfjs.losses[s]}`));
});

test('training on the Brown corpus stays finite and lowers the held-out loss clearly', async () => {
  const { start, batches, heldOut } = await brownCorpusRun(layout);
  const seen: number[] = [];
  const result = fastTrain({ layout, params: start, batches, steps: 30, ...HYPER, onStep: (step) => seen.push(step) });
  assert.deepEqual(seen, [...Array(30).keys()]);
  assert.ok(result.params.every(Number.isFinite));
  assertLossFalls(result.losses);
  const before = referenceLoss(layout, start, heldOut);
  const after = referenceLoss(layout, result.params, heldOut);
  assert.ok(after < before - 1.5, `held-out loss ${before} → ${after}`);
  assert.ok(result.tokensPerSecond > 0);
  // One thread: its CPU time inside the steps is at most the call's wall time (5 % for the clocks'
  // granularity), so the speed per CPU second is at least the wall speed.
  assert.ok(result.cpuTokensPerSecond !== undefined && result.cpuTokensPerSecond >= 0.95 * result.tokensPerSecond,
    `per CPU second ${result.cpuTokensPerSecond}, wall ${result.tokensPerSecond}`);
});

test('the losses reported are the batch losses before each update, and the start is not modified', () => {
  const opts = options({ steps: 2, batches: [[utf8('hello, world'), utf8('hi'), utf8('goodbye, world')], [utf8('abc'), utf8('abd')]] });
  const copy = Float32Array.from(opts.params);
  const result = fastTrain(opts);
  assert.deepEqual(opts.params, copy);
  assert.ok(Math.abs(result.losses[0]! - referenceLoss(layout, copy, [utf8('hello, world'), utf8('hi'), utf8('goodbye, world')])) < 1e-5);
  const afterOne = fastTrain({ ...opts, steps: 1, batches: [[utf8('hello, world'), utf8('hi'), utf8('goodbye, world')]] }).params;
  assert.ok(Math.abs(result.losses[1]! - fastLoss(layout, afterOne, [utf8('abc'), utf8('abd')])) < 1e-6);
  // Deterministic on one machine; zero steps return the start.
  assert.deepEqual(fastTrain(opts).params, result.params);
  assert.deepEqual(fastTrain({ ...opts, steps: 0 }).params, copy);
});

test('a batch larger than the first one gets a larger workspace and the same answer as a fresh start', () => {
  const small = [TEXT.subarray(0, 9)];
  const large = fixedBatches(8, 65)(0);
  const both = fastTrain(options({ steps: 2, batches: [small, large] }));
  const afterSmall = fastTrain(options({ steps: 1, batches: [small] })).params;
  assert.ok(Math.abs(both.losses[1]! - referenceLoss(layout, afterSmall, large)) < 1e-5);
});

test('bad input is refused with a reason; a diverging run stops with diverged', async () => {
  assert.throws(() => fastTrain(options({ params: new Float32Array(10) })), (e: unknown) => isEngineError(e, 'invalid-argument') && /needs 120576/.test(e.reason));
  assert.throws(() => fastTrain(options({ batches: () => [new Uint8Array(70)] })), (e: unknown) => isEngineError(e, 'invalid-argument') && /2 to 65/.test(e.reason));
  assert.throws(() => fastTrain(options({ batches: () => [] })), (e: unknown) => isEngineError(e, 'invalid-argument') && /no sequences/.test(e.reason));
  assert.throws(() => fastTrain(options({ batches: [[utf8('ab')]], steps: 2 })), (e: unknown) => isEngineError(e, 'invalid-argument') && /ran out after 1/.test(e.reason));
  await assert.rejects(fastTrainInner(options({ lr: -1 })), (e: unknown) => isEngineError(e, 'invalid-argument') && /lr must be/.test(e.reason));
  const poisoned = initParams(layout, utf8('nan'));
  poisoned[5] = Number.NaN;
  assert.throws(() => fastTrain(options({ params: poisoned })), (e: unknown) => isEngineError(e, 'diverged') && /step 0/.test(e.reason));
});

test('trainInner runs the fast engine when it is selected', async () => {
  await selectBackend('fast');
  const opts = options({ steps: 2 });
  const viaEngine = await trainInner(opts);
  assert.deepEqual(viaEngine.params, fastTrain(opts).params);
  await selectBackend('wasm');
});

test('the first AdamW step moves each weight by at most lr, and decays only matrices and embeddings', async () => {
  await assertFirstAdamWStep(layout, fastEngine);
});

test('gradient clipping scales the whole gradient by maxNorm / ‖g‖', async () => {
  await assertClippingScalesGradient(fastEngine);
});

test('fastTrainInner hands the event loop back while it trains', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const result = await fastTrainInner(options({ steps: 20 })); // several hundred ms of work
  clearInterval(timer);
  assert.equal(result.losses.length, 20);
  assert.ok(ticks > 0, 'a timer ran during the training');
});

test('two threads: bit-identical from run to run, and the same training as one thread up to rounding', async () => {
  const opts = options({ steps: 4, batches: (step) => [...fixedBatches(5, 65)(step), TEXT.subarray(step, step + 9)] });
  const one = fastTrain(opts);
  const first = await fastTrainInner({ ...opts, threads: 2 });
  const second = await fastTrainInner({ ...opts, threads: 2 });
  assert.equal(first.cpuTokensPerSecond, undefined, "the main thread's CPU time would leave the worker's out");
  assert.deepEqual(second.params, first.params);
  assert.deepEqual(second.losses, first.losses);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < one.params.length; i++) {
    diff += (first.params[i]! - one.params[i]!) ** 2;
    norm += (one.params[i]! - opts.params[i]!) ** 2;
  }
  // The halves' mean gradients are merged with weights rows/total: rounding differs, nothing else (measured 1e-6).
  assert.ok(Math.sqrt(diff / norm) < 1e-4, `relative difference ${Math.sqrt(diff / norm)}`);
  first.losses.forEach((loss, s) => assert.ok(Math.abs(loss - one.losses[s]!) < 1e-5, `step ${s}: ${loss} vs ${one.losses[s]}`));
  // A batch of one sequence stays on the calling thread; a bad sequence is refused before any thread runs.
  assert.equal((await fastTrainInner({ ...opts, threads: 2, batches: () => [TEXT.subarray(0, 30)] })).losses.length, 4);
  await assert.rejects(fastTrainInner({ ...opts, threads: 2, batches: () => [TEXT.subarray(0, 30), new Uint8Array(1)] }), (e: unknown) => isEngineError(e, 'invalid-argument'));
  await assert.rejects(fastTrainInner({ ...opts, threads: 3 }), (e: unknown) => isEngineError(e, 'invalid-argument') && /threads must be 1 or 2/.test(e.reason));
});
