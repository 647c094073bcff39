import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex } from '../../consensus/hash.ts';
import { DecodeError } from '../../chain/errors.ts';
import {
  decodeModel,
  decodeModelUndo,
  diffModel,
  EMPTY_MODEL_UNDO,
  encodeModel,
  encodeModelUndo,
  restoreModel,
} from '../../chain/model-undo.ts';
import { modelHash } from '../../trainer/model-hash.ts';

const bits = (m: Float32Array): Uint32Array => new Uint32Array(m.buffer, m.byteOffset, m.length);

test('model undo: golden bytes (index u32 LE, previous float32 bits LE, by index)', () => {
  const before = Float32Array.of(1, 2, -0, 4, 5);
  const after = Float32Array.of(1, 2.5, 0, 4, -5);
  const undo = diffModel(before, after);
  // Index 2 went from −0 to +0: equal as numbers, different bits, so it is recorded.
  assert.deepEqual([...undo.indices], [1, 2, 4]);
  assert.equal(toHex(encodeModelUndo(undo)), '01000000' + '00000040' + '02000000' + '00000080' + '04000000' + '0000a040');
  assert.deepEqual(decodeModelUndo(encodeModelUndo(undo)), undo);
  assert.deepEqual(bits(restoreModel(after, undo)), bits(before));
  assert.equal(toHex(encodeModel(Float32Array.of(1, -0))), '0000803f' + '00000080');
  assert.equal(diffModel(after, after), EMPTY_MODEL_UNDO);
  assert.equal(encodeModelUndo(EMPTY_MODEL_UNDO).length, 0);
});

test('model undo: restoring gives the parent bit for bit, whatever changed (NaN payloads and −0 included)', () => {
  const word = fc.integer({ min: 0, max: 0xffffffff });
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 300 }), fc.array(fc.tuple(fc.nat(), word), { maxLength: 60 }), (raw, changes) => {
      const before = new Float32Array(Uint32Array.from(raw).buffer);
      const after = before.slice();
      const afterBits = bits(after);
      for (const [at, value] of changes) afterBits[at % after.length] = value;
      const undo = diffModel(before, after);
      // Exactly the coordinates whose bits differ.
      let differing = 0;
      for (let i = 0; i < before.length; i++) if (bits(before)[i] !== afterBits[i]) differing++;
      assert.equal(undo.indices.length, differing);
      const decoded = decodeModelUndo(encodeModelUndo(undo));
      const restored = restoreModel(after, decoded);
      assert.deepEqual(bits(restored), bits(before));
      assert.deepEqual(modelHash(restored), modelHash(before));
      // `after` is left alone: holders of the tip's array never see it change.
      assert.deepEqual(bits(after), afterBits);
      assert.deepEqual(bits(decodeModel(encodeModel(before), before.length)), bits(before));
    }),
    { numRuns: 300 },
  );
});

test('model undo: decoders throw DecodeError on any bytes, and restore refuses indices outside the model', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(64), (random, total) => {
      for (const decode of [() => decodeModelUndo(random), () => decodeModel(random, total)]) {
        try {
          decode();
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      }
    }),
    { numRuns: 500 },
  );
  assert.throws(() => decodeModelUndo(new Uint8Array(7)), DecodeError);
  // Indices must strictly increase: a repeated or descending index is refused.
  assert.throws(() => decodeModelUndo(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0)), /increase/);
  assert.throws(() => decodeModel(new Uint8Array(8), 3), DecodeError);
  assert.throws(() => restoreModel(new Float32Array(2), { indices: Uint32Array.of(2), values: Float32Array.of(1) }), RangeError);
  assert.throws(() => diffModel(new Float32Array(2), new Float32Array(3)), RangeError);
});
