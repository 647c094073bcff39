import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { isEngineError } from '../../trainer/engine/errors.ts';
import { pseudoGradient, trainInner } from '../../trainer/engine/train.ts';
import type { TrainOptions } from '../../trainer/engine/train.ts';
import { loadBrownCorpus } from '../../trainer/io/corpus-loader.ts';
import { fastLoss, fastTrain, fastTrainInner } from '../../trainer/fast/train.ts';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { createDataset } from '../../trainer/pages.ts';
import { createPrng } from '../../trainer/prng.ts';
import { referenceLoss } from '../../trainer/reference/loss.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';
import { evalWindows, trainingBatch } from '../../trainer/windows.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const layout = paramLayout(DEFAULT_MODEL_SPEC);
const HYPER = { lr: 3e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1 } as const;
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
  const dataset = createDataset(await loadBrownCorpus());
  const pages = Array.from({ length: 64 }, (_, j) => dataset.trainingPage(j));
  const heldOut = evalWindows(dataset.heldOutPage(0), 64, 8);
  const prng = createPrng(utf8('brown-batches'));
  const start = initParams(layout, utf8('gradientcoin-test'));
  const seen: number[] = [];
  const result = fastTrain({
    layout,
    params: start,
    batches: () => trainingBatch(pages, 64, 8, () => prng.nextU32()),
    steps: 30,
    ...HYPER,
    onStep: (step) => seen.push(step),
  });
  assert.deepEqual(seen, [...Array(30).keys()]);
  assert.ok(result.params.every(Number.isFinite));
  assert.ok(Math.abs(result.losses[0]! - Math.log(256)) < 0.1, `first loss ${result.losses[0]}`);
  const lastFive = result.losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  assert.ok(lastFive < result.losses[0]! - 1.5, `losses ${result.losses.map((l) => l.toFixed(2)).join(' ')}`);
  const before = referenceLoss(layout, start, heldOut);
  const after = referenceLoss(layout, result.params, heldOut);
  assert.ok(after < before - 1.5, `held-out loss ${before} → ${after}`);
  assert.ok(result.tokensPerSecond > 0);
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

test('the first AdamW step moves each weight by at most lr, and decays only matrices and embeddings', () => {
  const lr = 0.01;
  const weightDecay = 50; // p·(1 − lr·λ) halves the decaying tensors: a decay applied to the wrong kind shows
  const start = initParams(layout, utf8('adamw'));
  for (const slot of layout.tensors) {
    if (slot.kind === 'matrix' || slot.kind === 'embedding') start.subarray(slot.offset, slot.offset + slot.size).forEach((p, i, a) => (a[i] = p * 10));
  }
  const { params: end } = fastTrain(options({ params: start, lr, weightDecay, steps: 1, gradClip: undefined }));
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

test('gradient clipping scales the whole gradient by maxNorm / ‖g‖', () => {
  // With ε far above |g|, the first step is lr·g/ε: linear in g, so it exposes the clipping factor.
  const base = options({ steps: 1, weightDecay: 0, lr: 1e5, eps: 1e6, gradClip: undefined });
  const scale = base.eps / base.lr;
  const unclipped = pseudoGradient(base.params, fastTrain(base).params);
  const norm = Math.sqrt(unclipped.reduce((sum, d) => sum + (d * scale) ** 2, 0));
  const clipped = pseudoGradient(base.params, fastTrain({ ...base, gradClip: norm / 4 }).params);
  const loose = pseudoGradient(base.params, fastTrain({ ...base, gradClip: norm * 4 }).params);
  let checked = 0;
  for (let i = 0; i < unclipped.length; i++) {
    if (Math.abs(unclipped[i]!) < 1e-3) continue; // smaller moves are lost in float32 rounding of p − Δ
    checked++;
    assert.ok(Math.abs(clipped[i]! / unclipped[i]! - 0.25) < 1e-2, `ratio ${clipped[i]! / unclipped[i]!} at ${i}`);
    assert.ok(Math.abs(loose[i]! / unclipped[i]! - 1) < 1e-2, `ratio ${loose[i]! / unclipped[i]!} at ${i}`);
  }
  assert.ok(checked > 1000, `only ${checked} weights moved enough to compare`);
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
