import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
  DEFAULT_CODEC_OPTIONS,
  applySparse,
  decodePseudoGradient,
  densify,
  encodePseudoGradient,
  maxPayloadBytes,
  payloadNormSquared,
  roundHalfAwayFromZero,
} from '../../trainer/codec.ts';
import type { CodecOptions } from '../../trainer/codec.ts';
import { isTrainerError } from '../../trainer/errors.ts';
import { xorshift32 } from '../util/xorshift.ts';

const f32Bits = (x: number): string => {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x);
  return v.getUint32(0).toString(16).padStart(8, '0');
};

const decodeFor = (payload: Uint8Array, total: number, o: CodecOptions) =>
  decodePseudoGradient(payload, { total, ...o, maxBytes: maxPayloadBytes(total, o) });

/**
 * The format written the plain way, as a cross-check of the encoder: sort each chunk's non-zero
 * entries by (|v| desc, index asc), keep topK, quantise with Math.round (exactly specified), drop
 * zeros, write in index order.
 */
function referenceEncode(vec: Float32Array, { chunkSize, topK }: CodecOptions): Uint8Array {
  const out: number[] = [];
  const u32 = (x: number): void => void out.push(x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24);
  const u16 = (x: number): void => void out.push(x & 255, x >>> 8);
  out.push(1);
  u32(vec.length);
  u32(chunkSize);
  u16(topK);
  for (let base = 0; base < vec.length; base += chunkSize) {
    const chunk = Array.from(vec.subarray(base, base + chunkSize));
    const chosen = chunk
      .map((v, i) => ({ v, i }))
      .filter((e) => e.v !== 0)
      .sort((a, b) => Math.abs(b.v) - Math.abs(a.v) || a.i - b.i)
      .slice(0, topK);
    let scale = chosen.length > 0 ? Math.fround(Math.abs(chosen[0]!.v) / 127) : 0;
    if (scale < 2 ** -126) scale = 0;
    const entries = scale === 0 ? [] : chosen
      .map((e) => ({ i: e.i, q: Math.sign(e.v) * Math.min(127, Math.round(Math.abs(e.v) / scale)) }))
      .filter((e) => e.q !== 0)
      .sort((a, b) => a.i - b.i);
    const scaleBytes = new Uint8Array(new Float32Array([scale]).buffer);
    out.push(...scaleBytes);
    if (topK <= 255) out.push(entries.length);
    else u16(entries.length);
    for (const e of entries) u16(e.i);
    for (const e of entries) out.push(e.q & 255);
  }
  return Uint8Array.from(out);
}

test('golden: a small vector encodes to exact bytes', () => {
  const vec = new Float32Array([0.5, -1.25, 0.1, 1.25, 0, 0, 0, 0, 3, -0.001]);
  const { payload, decoded } = encodePseudoGradient(vec, { chunkSize: 4, topK: 2 });
  assert.equal(
    bytesToHex(payload),
    '01' + '0a000000' + '04000000' + '0200' + // version 1, 10 parameters, chunks of 4, top-2
      '8542213c' + '02' + '0100' + '0300' + '81' + '7f' + // scale 1.25/127; -1.25 at 1, 1.25 at 3
      '00000000' + '00' + // an all-zero chunk
      '0683c13c' + '01' + '0000' + '7f', // partial chunk: 3 sent, -0.001 rounds to 0 and is dropped
  );
  assert.deepEqual(Array.from(decoded).map(f32Bits), [
    '00000000', 'bfa00000', '00000000', '3fa00000', '00000000',
    '00000000', '00000000', '00000000', '40400000', '00000000',
  ]);
});

test('golden: equal magnitudes go to the lower index', () => {
  const { payload } = encodePseudoGradient(new Float32Array([1, -1, 1, 0.5]), { chunkSize: 4, topK: 2 });
  assert.equal(bytesToHex(payload), '01040000000400000002000402013c02000001007f81');
});

test('golden: a fixed payload decodes to exact floats', () => {
  const payload = hexToBytes(
    '01' + '05000000' + '03000000' + '0200' +
      '0ad7233c' + '02' + '0000' + '0200' + '7f' + 'fd' + // scale fround(0.01): q 127 at 0, -3 at 2
      '0000003f' + '01' + '0100' + '81', // scale 0.5: q -127 at 1 of the partial chunk
  );
  const d = decodePseudoGradient(payload, { total: 5, chunkSize: 3, topK: 2, maxBytes: payload.length });
  assert.deepEqual(Array.from(d.indices), [0, 2, 4]);
  assert.deepEqual(Array.from(d.values).map(f32Bits), ['3fa28f5c', 'bcf5c28f', 'c27e0000']);
  assert.deepEqual(Array.from(densify(d, 5)).map(f32Bits), ['3fa28f5c', '00000000', 'bcf5c28f', '00000000', 'c27e0000']);
});

/** xorshift32 values of assorted magnitudes, as a trained delta might have. */
function defaultSizedVector(total: number): Float32Array {
  const next = xorshift32(0x9e3779b9);
  const vec = new Float32Array(total);
  for (let i = 0; i < total; i++) vec[i] = (next() / 2 ** 32 - 0.5) * 2 ** -(next() % 16);
  return vec;
}

test('golden: a default-sized contribution (120,576 parameters, chunks of 1024, top-16)', () => {
  const total = 120_576;
  const { payload, decoded } = encodePseudoGradient(defaultSizedVector(total), DEFAULT_CODEC_OPTIONS);
  assert.equal(payload.length, 6265);
  assert.equal(bytesToHex(blake3(payload)), 'b0c637899acfa3f8c9e30f9dc5667a648dfd3b5ade720d10bbfc558dda479616');
  assert.equal(bytesToHex(payload.subarray(0, 32)), '0100d70100000400001000096d803b10250052009900c701d50139029302ca02');
  assert.deepEqual(densify(decodeFor(payload, total, DEFAULT_CODEC_OPTIONS), total), decoded);
});

test('compression at the defaults is at least 50× smaller than dense float32', () => {
  const total = 120_576;
  const most = maxPayloadBytes(total, DEFAULT_CODEC_OPTIONS);
  // 11-byte header + 118 chunks · (4 scale + 1 count + 16 · (2 index + 1 value)).
  assert.equal(most, 11 + 118 * 53);
  assert.ok((total * 4) / most >= 50, `ratio ${(total * 4) / most}`);
});

test('roundHalfAwayFromZero is exact at and near halves', () => {
  assert.equal(roundHalfAwayFromZero(0.5), 1);
  assert.equal(roundHalfAwayFromZero(-0.5), -1);
  assert.equal(roundHalfAwayFromZero(2.5), 3);
  assert.equal(roundHalfAwayFromZero(-2.5), -3);
  assert.equal(roundHalfAwayFromZero(0.49999999999999994), 0);
  assert.equal(roundHalfAwayFromZero(-0.49999999999999994), -0);
  assert.equal(roundHalfAwayFromZero(126.49999999999999), 126);
});

test('the encoder chooses, rounds and drops by the rules at tie and threshold values', () => {
  // scale = 127/127 = 1: 0.5 rounds away to 1, 0.49999997 (float32 below 0.5) to 0 and is dropped.
  const vec = new Float32Array([127, 0.5, -0.5, 0.49999997, -1.5, 0, 0, 0]);
  const { decoded } = encodePseudoGradient(vec, { chunkSize: 8, topK: 8 });
  assert.deepEqual(Array.from(decoded), [127, 1, -1, 0, -2, 0, 0, 0]);
  // Subnormal-only chunks are held back whole.
  const tiny = encodePseudoGradient(new Float32Array([1e-40, 1]), { chunkSize: 1, topK: 1 });
  assert.deepEqual(Array.from(tiny.decoded), [0, 1]);
});

test('the encoder refuses non-finite or out-of-range values and bad options', () => {
  const bad = (f: () => unknown): void => assert.throws(f, (e: unknown) => isTrainerError(e, 'invalid-argument'));
  bad(() => encodePseudoGradient(new Float32Array([1, NaN]), { chunkSize: 2, topK: 1 }));
  bad(() => encodePseudoGradient(new Float32Array([Infinity]), { chunkSize: 2, topK: 1 }));
  bad(() => encodePseudoGradient(new Float32Array([3e38]), { chunkSize: 2, topK: 1 }));
  bad(() => encodePseudoGradient(new Float32Array(0), { chunkSize: 2, topK: 1 }));
  bad(() => encodePseudoGradient(new Float32Array(4), { chunkSize: 2, topK: 3 }));
  bad(() => encodePseudoGradient(new Float32Array(4), { chunkSize: 65_537, topK: 3 }));
  // The largest accepted magnitude still decodes to finite floats.
  const { payload, decoded } = encodePseudoGradient(new Float32Array([2 ** 127, -(2 ** 127)]), { chunkSize: 2, topK: 2 });
  assert.ok(decoded.every(Number.isFinite));
  assert.deepEqual(densify(decodeFor(payload, 2, { chunkSize: 2, topK: 2 }), 2), decoded);
});

test('sparse helpers: densify, applySparse and payloadNormSquared', () => {
  // Values the quantiser carries exactly: the second chunk's scale is 127/127 = 1.
  const vec = new Float32Array([0, 2, 0, -127, 32, 0]);
  const o = { chunkSize: 3, topK: 2 };
  const d = decodeFor(encodePseudoGradient(vec, o).payload, 6, o);
  assert.deepEqual(Array.from(d.indices), [1, 3, 4]);
  assert.deepEqual(densify(d, 6), vec);
  const target = new Float32Array([1, 1, 1, 1, 1, 1]);
  applySparse(target, d, -0.1);
  assert.deepEqual(Array.from(target), [1, Math.fround(1 + -0.1 * 2), 1, Math.fround(1 + -0.1 * -127), Math.fround(1 + -0.1 * 32), 1]);
  assert.equal(payloadNormSquared(d), 4 + 127 * 127 + 32 * 32);
  assert.throws(() => densify(d, 7), (e: unknown) => isTrainerError(e, 'invalid-argument'));
  assert.throws(() => applySparse(new Float32Array(5), d, 1), (e: unknown) => isTrainerError(e, 'invalid-argument'));
});

const options = fc.oneof(
  fc.record({ chunkSize: fc.integer({ min: 1, max: 40 }), topK: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ chunkSize: fc.integer({ min: 65, max: 300 }), topK: fc.integer({ min: 65, max: 300 }) }), // sorting path
).map((o) => ({ chunkSize: o.chunkSize, topK: Math.min(o.topK, o.chunkSize) }));

/** Vectors with ties, zeros, subnormals and a wide range of magnitudes. */
const vectors = fc.array(
  fc.oneof(
    fc.float({ noNaN: true, noDefaultInfinity: true, min: -(2 ** 127), max: 2 ** 127 }),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(0, -0, 1e-40, -1e-45, 0.5, -0.5),
  ),
  { minLength: 1, maxLength: 700 },
).map((xs) => Float32Array.from(xs));

test('the encoder agrees byte for byte with the plain reference (property)', () => {
  fc.assert(
    fc.property(vectors, options, (vec, o) => {
      assert.equal(bytesToHex(encodePseudoGradient(vec, o).payload), bytesToHex(referenceEncode(vec, o)));
    }),
    { numRuns: 400 },
  );
});

test('every encoder output decodes, to exactly the floats the encoder reported (property)', () => {
  fc.assert(
    fc.property(vectors, options, (vec, o) => {
      const { payload, decoded } = encodePseudoGradient(vec, o);
      const d = decodeFor(payload, vec.length, o);
      const dense = densify(d, vec.length);
      for (let i = 0; i < vec.length; i++) assert.ok(Object.is(dense[i], decoded[i]), `entry ${i}`);
    }),
    { numRuns: 400 },
  );
});

/**
 * Vectors the quantiser represents exactly: per chunk at most topK non-zeros, each q · scale with
 * q ∈ ±1 … ±127 and at least one |q| = 127, scale a float32 that the encoder would derive again.
 */
const representable = fc
  .record({
    chunkSize: fc.integer({ min: 1, max: 64 }),
    topK: fc.integer({ min: 1, max: 64 }),
    chunks: fc.integer({ min: 1, max: 6 }),
    lastShort: fc.nat(63),
  })
  .chain(({ chunkSize, topK, chunks, lastShort }) => {
    const k = Math.min(topK, chunkSize);
    const total = chunks * chunkSize - Math.min(lastShort, chunkSize - 1);
    const chunk = (length: number) =>
      fc.record({
        scale: fc.float({ min: 2 ** -100, max: 2 ** 100, noNaN: true }),
        entries: fc.uniqueArray(fc.record({ i: fc.nat(length - 1), q: fc.integer({ min: -127, max: 127 }) }), {
          maxLength: Math.min(k, length),
          selector: (e) => e.i,
        }),
      });
    const lengths = Array.from({ length: chunks }, (_, c) => Math.min(chunkSize, total - c * chunkSize));
    return fc.tuple(fc.constant({ chunkSize, topK: k, total }), fc.tuple(...lengths.map(chunk)));
  })
  .map(([o, chunks]) => {
    const vec = new Float32Array(o.total);
    chunks.forEach(({ scale, entries }, c) => {
      // Settle on a scale s with fround(fround(127·s)/127) = s, as the encoder recomputes it.
      let s = Math.fround(scale);
      for (let n = 0; n < 4; n++) s = Math.fround(Math.fround(127 * s) / 127);
      entries.forEach((e, j) => {
        const q = j === 0 ? (e.q < 0 ? -127 : 127) : e.q;
        vec[c * o.chunkSize + e.i] = Math.fround(q * s);
      });
    });
    return { vec, o };
  });

test('round trip is exact for vectors the quantiser can represent (property)', () => {
  fc.assert(
    fc.property(representable, ({ vec, o }) => {
      const { payload, decoded } = encodePseudoGradient(vec, o);
      assert.deepEqual(decoded, vec);
      assert.deepEqual(densify(decodeFor(payload, vec.length, o), vec.length), vec);
    }),
    { numRuns: 300 },
  );
});
