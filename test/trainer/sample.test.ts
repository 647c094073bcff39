import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { createPrng } from '../../trainer/prng.ts';
import { EvaluatorError } from '../../trainer/reference/errors.ts';
import { referenceLogits } from '../../trainer/reference/loss.ts';
import { chooseToken, sampleText } from '../../trainer/sample.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const layout = paramLayout(DEFAULT_MODEL_SPEC);
const params = initParams(layout, utf8('gradientcoin-test'));
const prompt = utf8('Once upon a time');

test('golden: sampled and greedy text from the seeded default model', () => {
  const sampled = sampleText(layout, params, prompt, { length: 24, temperature: 1, seed: utf8('sample-seed'), topK: 40 });
  assert.equal(hex(sampled), '85bc3ea4d6149ec9fcd72e3e888cb2a9d9c9809bcd6bb02d');
  const greedy = sampleText(layout, params, prompt, { length: 24, temperature: 0, seed: utf8('sample-seed') });
  assert.equal(hex(greedy), '656565656565656565656565656565656565656464646464');
});

test('same seed, same text; another seed, other text', () => {
  const opts = { length: 32, temperature: 1, seed: utf8('a') };
  const a = sampleText(layout, params, prompt, opts);
  assert.deepEqual(sampleText(layout, params, prompt, opts), a);
  assert.notDeepEqual(sampleText(layout, params, prompt, { ...opts, seed: utf8('b') }), a);
});

test('greedy picks the argmax of the reference logits, and top-1 is greedy', () => {
  const greedy = sampleText(layout, params, prompt, { length: 1, temperature: 0, seed: new Uint8Array(0) });
  const logits = referenceLogits(layout, params, prompt);
  const last = Array.from(logits.subarray((prompt.length - 1) * 256));
  assert.equal(greedy[0], last.indexOf(Math.max(...last)));
  const top1 = sampleText(layout, params, prompt, { length: 8, temperature: 2, seed: utf8('x'), topK: 1 });
  assert.deepEqual(top1, sampleText(layout, params, prompt, { length: 8, temperature: 0, seed: utf8('y') }));
});

test('the context window slides once the text outgrows it', () => {
  const long = new Uint8Array(100).fill(0x61);
  const out = sampleText(layout, params, long, { length: 70, temperature: 0.8, seed: utf8('slide') });
  assert.equal(out.length, 70);
  // Only the last 64 bytes of the prompt can matter.
  const trimmed = sampleText(layout, params, long.subarray(36), { length: 70, temperature: 0.8, seed: utf8('slide') });
  assert.deepEqual(out, trimmed);
  assert.equal(sampleText(layout, params, prompt, { length: 0, temperature: 1, seed: utf8('z') }).length, 0);
});

test('chooseToken draws in proportion to softmax(z / T) over the kept tokens', () => {
  const logits = new Float64Array([0, Math.log(3), -Infinity, Math.log(3)]);
  const prng = createPrng(utf8('draws'));
  const counts = [0, 0, 0, 0];
  const n = 20_000;
  for (let i = 0; i < n; i++) counts[chooseToken(logits, 0, 4, 1, undefined, prng)]!++;
  assert.equal(counts[2], 0);
  assert.ok(Math.abs(counts[0]! / n - 1 / 7) < 0.015, String(counts));
  assert.ok(Math.abs(counts[1]! / n - 3 / 7) < 0.015, String(counts));
  // Temperature 2 flattens: weights 1, sqrt 3, 0, sqrt 3.
  const flat = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) flat[chooseToken(logits, 0, 4, 2, undefined, prng)]!++;
  assert.ok(Math.abs(flat[0]! / n - 1 / (1 + 2 * Math.sqrt(3))) < 0.015, String(flat));
  // Top-2 keeps the two ties at log 3 and never the rest.
  const top = [0, 0, 0, 0];
  for (let i = 0; i < 2000; i++) top[chooseToken(logits, 0, 4, 1, 2, prng)]!++;
  assert.equal(top[0], 0);
  assert.ok(top[1]! > 850 && top[3]! > 850, String(top));
  // Greedy takes the first of tied maxima; NaN never wins a rank.
  assert.equal(chooseToken(logits, 0, 4, 0, undefined, prng), 1);
  assert.equal(chooseToken(new Float64Array([NaN, 1, 2]), 0, 3, 1, 1, prng), 2);
});

test('bad options throw typed errors', () => {
  const bad = (opts: Parameters<typeof sampleText>[3], p = prompt): void =>
    assert.throws(() => sampleText(layout, params, p, opts), (e: unknown) => e instanceof EvaluatorError && e.code === 'invalid-option');
  const seed = utf8('s');
  bad({ length: -1, temperature: 1, seed });
  bad({ length: 1.5, temperature: 1, seed });
  bad({ length: 1, temperature: -0.1, seed });
  bad({ length: 1, temperature: NaN, seed });
  bad({ length: 1, temperature: Infinity, seed });
  bad({ length: 1, temperature: 1, seed, topK: 0 });
  bad({ length: 1, temperature: 1, seed, topK: 257 });
  bad({ length: 1, temperature: 1, seed }, new Uint8Array(0));
});
