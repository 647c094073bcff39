import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramLayout, tensorView } from '../../trainer/layout.ts';
import { DEFAULT_MODEL_SPEC, parseModelSpec, ModelSpecError } from '../../trainer/spec.ts';

test('default layout has the expected tensors, contiguous and in order', () => {
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  // wte 256·64 + wpe 64·64 + 2 layers · 49,984 + final norm 128.
  assert.equal(layout.total, 120_576);
  let offset = 0;
  for (const t of layout.tensors) {
    assert.equal(t.offset, offset, t.name);
    offset += t.size;
  }
  assert.equal(layout.tensors[0]!.name, 'wte');
  assert.equal(layout.byName.has('lm_head'), false);
});

test('untied embeddings add an lm_head', () => {
  const layout = paramLayout({ ...DEFAULT_MODEL_SPEC, tiedEmbeddings: false });
  assert.deepEqual(layout.byName.get('lm_head')!.shape, [64, 256]);
  assert.equal(layout.total, 120_576 + 64 * 256);
});

test('tensorView addresses the right slice and checks the vector length', () => {
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const params = new Float32Array(layout.total);
  tensorView(layout, params, 'lnf.b').fill(7);
  assert.equal(params[layout.total - 1], 7);
  assert.equal(params[layout.total - 65], 0);
  assert.throws(() => tensorView(layout, new Float32Array(3), 'wte'), /layout needs 120576/);
});

test('parseModelSpec names the bad field', () => {
  assert.throws(() => parseModelSpec({ ...DEFAULT_MODEL_SPEC, heads: 5 }), (e: unknown) => e instanceof ModelSpecError && e.field === 'heads');
  assert.throws(() => parseModelSpec({ ...DEFAULT_MODEL_SPEC, vocabSize: 100 }), /vocabSize/);
  assert.throws(() => parseModelSpec(null), /must be an object/);
  assert.deepEqual(parseModelSpec({ ...DEFAULT_MODEL_SPEC }), DEFAULT_MODEL_SPEC);
});
