import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { isEngineError } from '../../trainer/engine/errors.ts';
import { tfjsLoss } from '../../trainer/engine/gpt.ts';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import type { ParamLayout } from '../../trainer/layout.ts';
import { createPrng } from '../../trainer/prng.ts';
import { referenceLoss } from '../../trainer/reference/loss.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Parameters far from a fresh init (std 0.3 weights, gains and biases off their defaults), so the
 * logits are sharp and every block of the model moves the loss: a wrong head split, mask or
 * LayerNorm shows up as a large difference instead of hiding near ln 256.
 */
function sharpParams(layout: ParamLayout, seed: string): Float32Array {
  const prng = createPrng(utf8(seed));
  const params = new Float32Array(layout.total);
  for (const slot of layout.tensors) {
    for (let i = slot.offset; i < slot.offset + slot.size; i++) {
      const g = prng.gaussian();
      params[i] = slot.kind === 'norm-gain' ? 1 + 0.2 * g : slot.kind === 'bias' || slot.kind === 'norm-bias' ? 0.1 * g : 0.3 * g;
    }
  }
  return params;
}

/** Byte sequences of mixed lengths (2 … contextLength+1), the longest first. */
function sequences(seed: string, lengths: readonly number[]): Uint8Array[] {
  const prng = createPrng(utf8(seed));
  return lengths.map((n) => Uint8Array.from({ length: n }, () => prng.nextU32() & 0xff));
}

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

test('a fresh model scores about ln 256 on any bytes', async () => {
  await selectBackend('wasm');
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const loss = await tfjsLoss(layout, initParams(layout, utf8('gradientcoin-test')), sequences('fresh', [65, 65, 65]));
  assert.ok(Math.abs(loss - Math.log(256)) < 0.05, `loss ${loss}`);
});

test('the engine agrees with the reference evaluator within 1e-4 relative (tied and untied)', async () => {
  await selectBackend('wasm');
  for (const tiedEmbeddings of [true, false]) {
    const layout = paramLayout({ ...DEFAULT_MODEL_SPEC, tiedEmbeddings });
    const params = sharpParams(layout, `agree-${tiedEmbeddings}`);
    const seqs = sequences('agree', [65, 65, 2, 17, 65, 40]);
    const engine = await tfjsLoss(layout, params, seqs);
    const reference = referenceLoss(layout, params, seqs);
    assert.ok(Math.abs(reference - Math.log(256)) > 0.5, `the test parameters must be far from uniform, got ${reference}`);
    assert.ok(relative(engine, reference) < 1e-4, `tied=${tiedEmbeddings}: engine ${engine}, reference ${reference}`);
  }
});

test('the engine agrees with the reference on a fresh model for a single short sequence', async () => {
  await selectBackend('wasm');
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const params = initParams(layout, utf8('gradientcoin-test'));
  const seqs = [utf8('The Fulton County Grand Jury said')];
  assert.ok(relative(await tfjsLoss(layout, params, seqs), referenceLoss(layout, params, seqs)) < 1e-4);
});

test('wasm and cpu give the same loss within 1e-4 for the same parameters', async () => {
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const params = sharpParams(layout, 'backends');
  const seqs = sequences('backends', [65, 33, 65]);
  await selectBackend('wasm');
  const wasm = await tfjsLoss(layout, params, seqs);
  await selectBackend('cpu');
  const cpu = await tfjsLoss(layout, params, seqs);
  await selectBackend('wasm');
  assert.ok(relative(wasm, cpu) < 1e-4, `wasm ${wasm}, cpu ${cpu}`);
});

test('bad input is a typed error and leaks no tensor', async () => {
  await selectBackend('wasm');
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const params = initParams(layout, utf8('bad'));
  const before = tf.memory().numTensors;
  await assert.rejects(tfjsLoss(layout, params, []), (e: unknown) => isEngineError(e, 'invalid-argument') && /no sequences/.test(e.reason));
  await assert.rejects(tfjsLoss(layout, params, [new Uint8Array(66)]), (e: unknown) => isEngineError(e, 'invalid-argument') && /66 bytes/.test(e.reason));
  await assert.rejects(tfjsLoss(layout, params, [new Uint8Array(1)]), (e: unknown) => isEngineError(e, 'invalid-argument'));
  await assert.rejects(tfjsLoss(layout, params.subarray(1), [new Uint8Array(9)]), (e: unknown) => isEngineError(e, 'invalid-argument') && /layout needs/.test(e.reason));
  assert.equal(tf.memory().numTensors, before);
});
