import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasTrackRecord, l2Norm, outerStep, selectForAggregation, withinNormBound, type AggregationEntry, type AggregationRule } from '../../consensus/gauntlet/aggregate.ts';
import { NEW_RATING } from '../../consensus/gauntlet/state.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { toHex } from '../../consensus/hash.ts';
import { decodePseudoGradient, encodePseudoGradient, type DecodedGradient } from '../../trainer/codec.ts';
import { createPrng } from '../../trainer/prng.ts';

/** A sparse gradient over `total` parameters with the given entries (indices increasing). */
function sparse(total: number, entries: readonly (readonly [number, number])[]): DecodedGradient {
  return {
    total,
    chunkSize: total,
    topK: total,
    indices: Uint32Array.from(entries.map(([i]) => i)),
    values: Float32Array.from(entries.map(([, v]) => v)),
  };
}

/** Entries with the given scores: candidates with an own-pages gain of 0.01 and a track record unless told otherwise. */
function entries(scores: readonly number[], overrides: Partial<Omit<AggregationEntry, 'score'>>[] = []): AggregationEntry[] {
  return scores.map((score, i) => ({ score, ownGain: 0.01, candidate: true, trackRecord: true, ...overrides[i] }));
}

const rule = (topK: number, tolerance = 0, minOwnGain?: number): AggregationRule => ({ topK, tolerance, minOwnGain });

test('selection without tolerance: only candidates with positive scores, best topK by score, ties to the earlier contribution, in block order', () => {
  assert.deepEqual(selectForAggregation(entries([0.1, -0.2, 0.3, 0, 0.2]), rule(8)), [0, 2, 4]);
  assert.deepEqual(selectForAggregation(entries([0.1, -0.2, 0.3, 0, 0.2]), rule(2)), [2, 4]);
  assert.deepEqual(selectForAggregation(entries([0.2, 0.1, 0.2, 0.2]), rule(2)), [0, 2]);
  assert.deepEqual(selectForAggregation(entries([0, -1, -0]), rule(8)), []);
  assert.deepEqual(selectForAggregation([], rule(8)), []);
  // Beyond the norm bound: never aggregated, however well it scored.
  assert.deepEqual(selectForAggregation(entries([0.1, 0.9, 0.3], [{}, { candidate: false }, {}]), rule(8)), [0, 2]);
  // Without minOwnGain the own pages do not matter.
  assert.deepEqual(selectForAggregation(entries([0.1], [{ ownGain: -1 }]), rule(8)), [0]);
});

test('tolerance: a score above −τ is aggregated for a contributor with a track record; at −τ, or without a record, it is not', () => {
  const tau = 0.003;
  assert.deepEqual(selectForAggregation(entries([-0.0029, -0.003, -0.0031]), rule(8, tau)), [0]);
  assert.deepEqual(selectForAggregation(entries([-0.001, -0.001], [{}, { trackRecord: false }]), rule(8, tau)), [0]);
  // A positive score needs no record: the tolerance only widens the rule.
  assert.deepEqual(selectForAggregation(entries([0.001], [{ trackRecord: false }]), rule(8, tau)), [0]);
  // Still never beyond the norm bound, and still the best topK (the tolerated rank below the positive).
  assert.deepEqual(selectForAggregation(entries([-0.001, 0.002], [{ candidate: false }, {}]), rule(8, tau)), [1]);
  assert.deepEqual(selectForAggregation(entries([-0.001, 0.002, -0.0005]), rule(2, tau)), [1, 2]);
});

test('minOwnGain: no share that gains less than φ on its own pages is aggregated, whatever its score; at φ it is', () => {
  const phi = 0.001;
  assert.deepEqual(selectForAggregation(entries([0.5, 0.5, 0.5], [{ ownGain: 0.001 }, { ownGain: 0.000999 }, { ownGain: -0.2 }]), rule(8, 0, phi)), [0]);
  assert.deepEqual(selectForAggregation(entries([-0.001, -0.001], [{ ownGain: 0.001 }, { ownGain: 0.0009 }]), rule(8, 0.005, phi)), [0]);
});

test('track record: a final above 0 in the parent state (ordinal > 0 and binaryMA > 0), each at its limit', () => {
  const rated = { mu: 25, sigma: 5, binaryMA: 0.05 }; // ordinal 10
  assert.equal(hasTrackRecord(rated), true);
  assert.equal(hasTrackRecord({ ...rated, binaryMA: 0 }), false);
  assert.equal(hasTrackRecord({ ...rated, binaryMA: -0.05 }), false);
  assert.equal(hasTrackRecord({ ...rated, mu: 15 }), false); // ordinal exactly 0
  assert.equal(hasTrackRecord({ ...rated, mu: 15.001 }), true);
  assert.equal(hasTrackRecord(NEW_RATING), false);
});

test('the outer step: θ′ = fround(θ − η·mean Δ), exact for hand-computed values', () => {
  const theta = Float32Array.from([1, 2, 3, 4]);
  const a = sparse(4, [[1, 3]]);
  const b = sparse(4, [[0, 4], [1, 1]]);
  const c = sparse(4, [[2, 12]]);
  const step = outerStep(theta, [a, b, c], 0.5);
  assert.ok(step.applied);
  const expected = Float32Array.from([1 - 0.5 * (4 / 3), 2 - 0.5 * (4 / 3), 3 - 0.5 * (12 / 3), 4].map(Math.fround));
  assert.deepEqual(step.model, expected);
  assert.deepEqual(theta, Float32Array.from([1, 2, 3, 4]), 'θ is not modified');
});

test('the norm bound: an honest Δ is within it, the same Δ ×100 is not; the bound is a constant, not the block\'s median', () => {
  const total = 2048;
  const prng = createPrng(new TextEncoder().encode('clip'));
  const dense = (scale: number): Float32Array => Float32Array.from({ length: total }, () => scale * prng.gaussian());
  const opts = { chunkSize: 1024, topK: 16 };
  const expect = { total, ...opts, maxBytes: 1 << 20 };
  const honest = [dense(1e-3), dense(1e-3), dense(1e-3)].map((d) => decodePseudoGradient(encodePseudoGradient(d, opts).payload, expect));
  const huge = decodePseudoGradient(encodePseudoGradient(dense(1e-3).map((v) => v * 100), opts).payload, expect);
  const bound = 2 * Math.max(...honest.map(l2Norm));
  assert.ok(honest.every((h) => withinNormBound(h, bound)));
  assert.equal(withinNormBound(huge, bound), false);
  // Were every contribution ×100 (a common drift), none would pass: the bound does not follow them.
  const drifted = honest.map((h) => ({ ...h, values: h.values.map((v) => v * 100) }));
  assert.ok(drifted.every((h) => !withinNormBound(h, bound)));
  // The step of candidates within the bound moves the model by at most η·bound.
  const theta = new Float32Array(total);
  const step = outerStep(theta, honest, 1);
  let moved = 0;
  for (const v of step.model) moved += v * v;
  assert.ok(Math.sqrt(moved) <= bound * (1 + 1e-6), `step norm ${Math.sqrt(moved)}`);
});

test('no candidate: θ′ is θ itself; a step that would overflow float32 is void', () => {
  const theta = Float32Array.from([1, 2]);
  const none = outerStep(theta, [], 1);
  assert.equal(none.model, theta);
  assert.equal(none.applied, false);
  const big = Float32Array.from([3e38, 0]);
  const voided = outerStep(big, [sparse(2, [[0, -3e38]])], 100);
  assert.equal(voided.applied, false);
  assert.equal(voided.model, big);
});

test('golden: a fixed set of encoded gradients gives this exact model hash', () => {
  const total = 4096;
  const prng = createPrng(new TextEncoder().encode('aggregate-golden'));
  const opts = { chunkSize: 1024, topK: 16 };
  const gradients = [1, 2, 3, 50].map((s) =>
    decodePseudoGradient(encodePseudoGradient(Float32Array.from({ length: total }, () => s * 1e-3 * prng.gaussian()), opts).payload, {
      total,
      ...opts,
      maxBytes: 1 << 20,
    }),
  );
  const theta = Float32Array.from({ length: total }, () => 0.02 * prng.gaussian());
  const step = outerStep(theta, gradients, 0.7);
  assert.equal(toHex(modelHash(step.model)), '7f183d85cb93f591498a15ba759e509d6273efc797665be3541473ae043715cc');
});
