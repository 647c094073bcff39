import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { meanCrossEntropy, weightsFromParams } from '../../trainer/engine/gpt.ts';
import { fastGradient, fastLoss } from '../../trainer/fast/train.ts';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import type { ParamLayout } from '../../trainer/layout.ts';
import { referenceLoss } from '../../trainer/reference/loss.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';
import { naiveLoss } from '../util/plain-gpt.ts';
import type { ModelSpec } from '../../trainer/spec.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const TEXT = utf8('It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. '.repeat(4));

function windows(count: number, length: number, shift = 0): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => TEXT.subarray(shift + i * 23, shift + i * 23 + length));
}

/** Parameters a little away from initialisation, so LayerNorm gains and biases are not 1 and 0. */
function jittered(layout: ParamLayout, seed: string): Float32Array {
  const params = initParams(layout, utf8(seed));
  for (let i = 0; i < params.length; i++) params[i] = params[i]! + 0.05 * Math.sin(i * 1.7);
  return params;
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

test('the loss agrees with the reference evaluator to 1e-5 relative, on every shape of model and batch', () => {
  const specs: ModelSpec[] = [
    DEFAULT_MODEL_SPEC,
    { ...DEFAULT_MODEL_SPEC, layers: 1, width: 20, heads: 5, contextLength: 9 }, // widths off the 4 × 8 tiles
    { ...DEFAULT_MODEL_SPEC, layers: 2, width: 18, heads: 3, contextLength: 7 }, // and off the SIMD LayerNorm's 4
    { ...DEFAULT_MODEL_SPEC, layers: 3, width: 48, heads: 3, contextLength: 33, tiedEmbeddings: false },
  ];
  for (const spec of specs) {
    const layout = paramLayout(spec);
    const params = jittered(layout, `loss ${spec.width}`);
    const batches = [
      windows(8, spec.contextLength + 1),
      [TEXT.subarray(0, 2), TEXT.subarray(5, 5 + spec.contextLength + 1), TEXT.subarray(40, 47)], // mixed lengths
    ];
    for (const batch of batches) {
      const fast = fastLoss(layout, params, batch);
      const reference = referenceLoss(layout, params, batch);
      assert.ok(relative(fast, reference) < 1e-5, `width ${spec.width}: fast ${fast}, reference ${reference}`);
    }
  }
});

test('gradients agree with float64 central differences of the plain implementation (tiny models)', () => {
  // Width 12 runs the SIMD LayerNorm and bias kernels, width 10 their JavaScript versions.
  for (const width of [12, 10]) checkFiniteDifferences({ vocabSize: 256, contextLength: 10, layers: 2, width, heads: 2, tiedEmbeddings: false });
});

function checkFiniteDifferences(spec: ModelSpec): void {
  const layout = paramLayout(spec);
  const params = jittered(layout, 'finite differences');
  const batch = [TEXT.subarray(0, 11), TEXT.subarray(30, 37), TEXT.subarray(61, 72)];
  const { loss, grads } = fastGradient(layout, params, batch);
  assert.ok(relative(loss, referenceLoss(layout, params, batch)) < 1e-5);
  const probe = Float32Array.from(params);
  let compared = 0;
  let worst = 0;
  // About 40 parameters of every tensor.
  for (const slot of layout.tensors) {
    const stride = Math.max(1, Math.floor(slot.size / 40));
    for (let i = slot.offset; i < slot.offset + slot.size; i += stride) {
      const h = 2 ** -12; // smaller steps lose digits to float32 parameters; larger ones to curvature (measured)
      probe[i] = params[i]! + h;
      const up = naiveLoss(layout, probe, batch);
      probe[i] = params[i]! - h;
      const down = naiveLoss(layout, probe, batch);
      probe[i] = params[i]!;
      const numeric = (up - down) / (2 * h);
      const error = Math.abs(grads[i]! - numeric) / Math.max(1e-3, Math.abs(numeric));
      worst = Math.max(worst, error);
      // Measured: at most 4.9e-4 (wte, width 12) and 3.5e-4 (wpe, width 10); most tensors below 2e-5.
      assert.ok(error < 2e-3, `${slot.name}[${i - slot.offset}]: fast ${grads[i]}, finite differences ${numeric}`);
      compared++;
    }
  }
  assert.ok(compared > 500, `compared ${compared}`);
  assert.ok(worst > 0, 'the two computations are independent, so they differ in rounding');
}

test("gradients agree with tfjs' on the default model", async () => {
  await selectBackend('wasm');
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const params = jittered(layout, 'tfjs gradients');
  const batch = [...windows(6, 65), TEXT.subarray(3, 20)];
  const { loss, grads } = fastGradient(layout, params, batch);
  const weights = weightsFromParams(layout, params);
  const variables = layout.tensors.map((slot) => tf.variable(weights.get(slot.name)!, true));
  const named = new Map(layout.tensors.map((slot, i) => [slot.name, variables[i]!]));
  const { value, grads: tfGrads } = tf.variableGrads(() => meanCrossEntropy(named, layout.spec, batch), variables);
  assert.ok(relative(loss, (await value.data())[0]!) < 1e-5);
  let diff = 0;
  let norm = 0;
  for (let s = 0; s < layout.tensors.length; s++) {
    const slot = layout.tensors[s]!;
    const theirs = (await tfGrads[variables[s]!.name]!.data()) as Float32Array;
    let slotDiff = 0;
    let slotNorm = 0;
    for (let i = 0; i < slot.size; i++) {
      slotDiff += (grads[slot.offset + i]! - theirs[i]!) ** 2;
      slotNorm += theirs[i]! ** 2;
    }
    assert.ok(Math.sqrt(slotDiff) <= 1e-3 * Math.sqrt(slotNorm) + 1e-7, `${slot.name}: ‖Δ‖ ${Math.sqrt(slotDiff)} vs ‖g‖ ${Math.sqrt(slotNorm)}`);
    diff += slotDiff;
    norm += slotNorm;
  }
  assert.ok(Math.sqrt(diff / norm) < 1e-4, `relative difference ${Math.sqrt(diff / norm)}`);
  tf.dispose([value, ...Object.values(tfGrads), ...variables, ...weights.values()]);
});

test('fastLoss evaluates each parameter vector it is given, on one layout or several', () => {
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const batch = windows(4, 65);
  const a = jittered(layout, 'a');
  const b = jittered(layout, 'b');
  const lossA = fastLoss(layout, a, batch);
  const lossB = fastLoss(layout, b, batch);
  assert.notEqual(lossA, lossB);
  assert.equal(fastLoss(layout, a, batch), lossA);
  assert.ok(relative(lossB, referenceLoss(layout, b, batch)) < 1e-5);
  const small = paramLayout({ ...DEFAULT_MODEL_SPEC, width: 32, heads: 2 });
  const c = jittered(small, 'c');
  assert.ok(relative(fastLoss(small, c, batch), referenceLoss(small, c, batch)) < 1e-5);
  assert.equal(fastLoss(layout, a, batch), lossA);
});
