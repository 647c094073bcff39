import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePseudoGradient, encodePseudoGradient, maxPayloadBytes } from '../../trainer/codec.ts';
import type { DecodeExpectations } from '../../trainer/codec.ts';
import { TrainerError, isTrainerError } from '../../trainer/errors.ts';
import type { TrainerErrorCode } from '../../trainer/errors.ts';

/** 10 parameters in chunks of 4 (the last has 2), top-2: small enough to write by hand. */
const expect: DecodeExpectations = { total: 10, chunkSize: 4, topK: 2, maxBytes: 100 };

function f32le(x: number): number[] {
  return Array.from(new Uint8Array(new Float32Array([x]).buffer));
}
function u32le(x: number): number[] {
  return [x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24];
}
function header(total = 10, chunkSize = 4, topK = 2, version = 1): number[] {
  return [version, ...u32le(total), ...u32le(chunkSize), topK & 255, topK >>> 8];
}
function chunk(scale: number, entries: readonly (readonly [number, number])[], count = entries.length): number[] {
  return [
    ...f32le(scale),
    count,
    ...entries.flatMap(([i]) => [i & 255, i >>> 8]),
    ...entries.map(([, q]) => q & 255),
  ];
}
const valid = (): number[] => [...header(), ...chunk(0.5, [[0, 127], [3, -5]]), ...chunk(0, []), ...chunk(1, [[1, -127]])];

function rejects(bytes: readonly number[] | Uint8Array, code: TrainerErrorCode, e: DecodeExpectations = expect): void {
  assert.throws(() => decodePseudoGradient(Uint8Array.from(bytes), e), (err: unknown) => {
    assert.ok(err instanceof TrainerError, `not a TrainerError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.reason.length > 10);
    return true;
  });
}

test('the hand-written valid payload decodes', () => {
  const d = decodePseudoGradient(Uint8Array.from(valid()), expect);
  assert.deepEqual(Array.from(d.indices), [0, 3, 9]);
  assert.deepEqual(Array.from(d.values), [63.5, -2.5, -127]);
});

test('the size limit is checked before anything else', () => {
  rejects(new Uint8Array(101).fill(0xff), 'payload-too-large');
  rejects(valid(), 'payload-too-large', { ...expect, maxBytes: valid().length - 1 });
});

test('header rules: length, version, total, chunk size, top-k', () => {
  rejects([], 'payload-truncated');
  rejects(header().slice(0, 10), 'payload-truncated');
  rejects([...header(10, 4, 2, 2), ...valid().slice(11)], 'payload-version');
  rejects([...header(11), ...valid().slice(11)], 'payload-total');
  rejects([...header(10, 5), ...valid().slice(11)], 'payload-chunk-size');
  rejects([...header(10, 4, 3), ...valid().slice(11)], 'payload-top-k');
  rejects([...header(10, 4, 2 + 256), ...valid().slice(11)], 'payload-top-k');
});

test('truncation anywhere inside a chunk is reported as such', () => {
  const bytes = valid();
  for (let cut = 11; cut < bytes.length; cut++) rejects(bytes.slice(0, cut), 'payload-truncated');
});

test('count rules: at most top-k, at most the chunk length (the last chunk is partial)', () => {
  rejects([...header(), ...chunk(0.5, [[0, 127], [1, 1], [2, 1]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-count');
  // Top-3 over chunks of 4: the last chunk holds 2 parameters, so 3 entries there are too many.
  const e3 = { ...expect, topK: 3 };
  rejects([...header(10, 4, 3), ...chunk(0, []), ...chunk(0, []), ...chunk(1, [[0, 127], [1, 1], [1, 1]])], 'payload-count', e3);
});

test('scale rules: finite, non-negative, +0 exactly when empty, normal, 127·scale finite', () => {
  const withScale = (s: number, entries: readonly (readonly [number, number])[] = [[0, 127]]): number[] =>
    [...header(), ...chunk(s, entries), ...chunk(0, []), ...chunk(1, [[1, -127]])];
  rejects(withScale(NaN), 'payload-scale');
  rejects(withScale(Infinity), 'payload-scale');
  rejects(withScale(-Infinity, []), 'payload-scale');
  rejects(withScale(-1), 'payload-scale');
  rejects(withScale(-0, []), 'payload-scale');
  rejects(withScale(1e-40), 'payload-scale');
  rejects(withScale(3e36), 'payload-scale');
  rejects(withScale(0), 'payload-scale');
  rejects(withScale(0.5, []), 'payload-non-canonical');
  rejects(withScale(1e-40, []), 'payload-non-canonical');
  // A NaN with the sign bit set is still caught (the bit patterns are checked, not comparisons).
  const negNaN = withScale(0);
  negNaN.splice(11, 4, 0x01, 0x00, 0xc0, 0xff);
  rejects(negNaN, 'payload-scale');
  assert.ok(decodePseudoGradient(Uint8Array.from(withScale(2 ** -126)), expect));
  assert.ok(decodePseudoGradient(Uint8Array.from(withScale(2e36)), expect));
});

test('index rules: inside the chunk (the partial last chunk included), strictly increasing', () => {
  rejects([...header(), ...chunk(0.5, [[4, 127]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-index-range');
  rejects([...header(), ...chunk(0.5, [[0, 127]]), ...chunk(0, []), ...chunk(1, [[2, -127]])], 'payload-index-range');
  rejects([...header(), ...chunk(0.5, [[2, 127], [2, 1]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-index-order');
  rejects([...header(), ...chunk(0.5, [[3, 127], [1, 1]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-index-order');
  rejects([...header(), ...chunk(0.5, [[0xffff, 127]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-index-range');
});

test('value rules: -128 is out of range, zeros are never sent, the largest |q| is 127', () => {
  rejects([...header(), ...chunk(0.5, [[0, -128]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-value');
  rejects([...header(), ...chunk(0.5, [[0, 127], [1, 0]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-non-canonical');
  rejects([...header(), ...chunk(0.5, [[0, 126], [1, -3]]), ...chunk(0, []), ...chunk(1, [[1, -127]])], 'payload-non-canonical');
});

test('trailing bytes are refused', () => {
  rejects([...valid(), 0], 'payload-trailing');
});

test('bad expectations are the caller\'s error, not the payload\'s', () => {
  const bad = (e: DecodeExpectations): void =>
    assert.throws(() => decodePseudoGradient(Uint8Array.from(valid()), e), (err: unknown) => isTrainerError(err, 'invalid-argument'));
  bad({ ...expect, total: 0 });
  bad({ ...expect, topK: 5 });
  bad({ ...expect, maxBytes: -1 });
  bad({ ...expect, chunkSize: 1.5 });
});

/** Decoding never throws anything but a payload TrainerError; a success is well-formed. */
function decodesOrRejects(bytes: Uint8Array, e: DecodeExpectations): void {
  try {
    const d = decodePseudoGradient(bytes, e);
    assert.equal(d.indices.length, d.values.length);
    for (let j = 0; j < d.indices.length; j++) {
      assert.ok(d.indices[j]! < e.total && (j === 0 || d.indices[j]! > d.indices[j - 1]!));
      assert.ok(Number.isFinite(d.values[j]!) && d.values[j] !== 0);
    }
  } catch (err) {
    assert.ok(err instanceof TrainerError, `threw ${String(err)}`);
    assert.match(err.code, /^payload-/);
  }
}

test('random bytes never crash the decoder (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => decodesOrRejects(bytes, expect)),
    { numRuns: 2000 },
  );
  // Past a valid header, so that the chunk rules are exercised.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (body) => decodesOrRejects(Uint8Array.from([...header(), ...body]), expect)),
    { numRuns: 3000 },
  );
});

test('mutated valid payloads never crash the decoder (property)', () => {
  const o = { chunkSize: 8, topK: 3 };
  const total = 37;
  const e = { total, ...o, maxBytes: maxPayloadBytes(total, o) + 8 };
  const payloads = fc
    .array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: total, maxLength: total })
    .map((xs) => encodePseudoGradient(Float32Array.from(xs), o).payload);
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
  );
  fc.assert(
    fc.property(payloads, fc.array(mutation, { minLength: 1, maxLength: 4 }), (payload, mutations) => {
      const bytes = Array.from(payload);
      for (const m of mutations) {
        const at = bytes.length === 0 ? 0 : m.at % bytes.length;
        if (m.kind === 'set') bytes[at] = m.byte;
        else if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
        else if (m.kind === 'delete') bytes.splice(at, 1);
        else bytes.length = at;
      }
      decodesOrRejects(Uint8Array.from(bytes), e);
    }),
    { numRuns: 2000 },
  );
});

test('a payload inside a larger buffer decodes from its own offset', () => {
  const inner = Uint8Array.from(valid());
  const outer = new Uint8Array(inner.length + 7);
  outer.set(inner, 5);
  const d = decodePseudoGradient(outer.subarray(5, 5 + inner.length), expect);
  assert.deepEqual(Array.from(d.indices), [0, 3, 9]);
});
