import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { initParams, initStd } from '../../trainer/init.ts';
import { paramLayout, tensorView } from '../../trainer/layout.ts';
import { float32LittleEndianBytes, modelHash, modelHashHex } from '../../trainer/model-hash.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const layout = paramLayout(DEFAULT_MODEL_SPEC);
const params = initParams(layout, utf8('gradientcoin-test'));

test('golden: the default model from seed "gradientcoin-test"', () => {
  assert.equal(modelHashHex(params), '55ecfc8b79aa52b689deb0d6c5f0d893d5ae983069aa239db1058d706ee8467f');
});

test('norm gains are 1, biases and norm biases 0', () => {
  for (const slot of layout.tensors) {
    const values = tensorView(layout, params, slot.name);
    if (slot.kind === 'norm-gain') assert.ok(values.every((v) => v === 1), slot.name);
    if (slot.kind === 'bias' || slot.kind === 'norm-bias') assert.ok(values.every((v) => Object.is(v, 0)), slot.name);
  }
});

test('weights are drawn with nanoGPT standard deviations', () => {
  const projStd = 0.02 / Math.sqrt(2 * DEFAULT_MODEL_SPEC.layers);
  for (const slot of layout.tensors) {
    const expected = initStd(layout, slot);
    if (expected === null) continue;
    assert.equal(expected, /\.(attn\.wo|mlp\.wproj)$/.test(slot.name) ? projStd : 0.02, slot.name);
    const values = tensorView(layout, params, slot.name);
    let sum = 0;
    let sq = 0;
    for (const v of values) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / values.length;
    const std = Math.sqrt(sq / values.length - mean * mean);
    assert.ok(Math.abs(std / expected - 1) < 0.05, `${slot.name}: std ${std}, expected ${expected}`);
    assert.ok(Math.abs(mean) < (4 * expected) / Math.sqrt(values.length), `${slot.name}: mean ${mean}`);
  }
});

test('each tensor depends only on the seed and its name', () => {
  const untied = paramLayout({ ...DEFAULT_MODEL_SPEC, tiedEmbeddings: false });
  const other = initParams(untied, utf8('gradientcoin-test'));
  for (const slot of layout.tensors) {
    assert.deepEqual(tensorView(untied, other, slot.name), tensorView(layout, params, slot.name), slot.name);
  }
  const head = tensorView(untied, other, 'lm_head');
  assert.ok(head.some((v) => v !== 0));
  assert.notEqual(modelHashHex(initParams(layout, utf8('gradientcoin-tesu'))), modelHashHex(params));
  // The seed's length is hashed, so seed bytes cannot slide into the tensor name.
  assert.notDeepEqual(initParams(layout, utf8('ab')), initParams(layout, utf8('a')));
});

test('model hash is BLAKE3 over the domain and the little-endian float32 bits', () => {
  const v = new Float32Array([1, -2.5, 0, -0, Infinity]);
  const le = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0x00, 0x80, 0x7f];
  assert.deepEqual([...float32LittleEndianBytes(v)], le);
  assert.deepEqual([...float32LittleEndianBytes(v, false)], le);
  const expected = blake3(new Uint8Array([...utf8('gradientcoin/model/v1'), ...le]));
  assert.equal(bytesToHex(modelHash(v)), bytesToHex(expected));
  assert.equal(modelHash(v).length, 32);
  assert.equal(modelHashHex(new Float32Array([1, 2, 3])), '1efa0ff2daca40aedd28a7c4dcf56f807bdc891e6565ad33e357e00412ed4212');
});

test('model hash tells apart every bit: −0 from 0, one NaN from another', () => {
  assert.notEqual(modelHashHex(new Float32Array([0])), modelHashHex(new Float32Array([-0])));
  const a = new Float32Array(1);
  const b = new Float32Array(1);
  new Uint32Array(a.buffer)[0] = 0x7fc00000;
  new Uint32Array(b.buffer)[0] = 0x7fc00001;
  assert.notEqual(modelHashHex(a), modelHashHex(b));
  assert.deepEqual(float32LittleEndianBytes(b, false), float32LittleEndianBytes(b));
});

test('the hash of a view covers only the view', () => {
  const whole = new Float32Array([9, 1, 2, 3, 9]);
  assert.equal(modelHashHex(whole.subarray(1, 4)), modelHashHex(new Float32Array([1, 2, 3])));
});
