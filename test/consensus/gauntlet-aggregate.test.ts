import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipFactors, l2Norm, lowerMedian, outerStep, selectForAggregation } from '../../consensus/gauntlet/aggregate.ts';
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

test('selection: only positive scores, best topK by score, ties to the earlier contribution, returned in block order', () => {
  assert.deepEqual(selectForAggregation([0.1, -0.2, 0.3, 0, 0.2], 8), [0, 2, 4]);
  assert.deepEqual(selectForAggregation([0.1, -0.2, 0.3, 0, 0.2], 2), [2, 4]);
  assert.deepEqual(selectForAggregation([0.2, 0.1, 0.2, 0.2], 2), [0, 2]);
  assert.deepEqual(selectForAggregation([0, -1, -0], 8), []);
  assert.deepEqual(selectForAggregation([], 8), []);
});

test('median: the lower middle for even counts, the middle for odd ones', () => {
  assert.equal(lowerMedian([3]), 3);
  assert.equal(lowerMedian([5, 1]), 1);
  assert.equal(lowerMedian([4, 1, 3, 2]), 2);
  assert.equal(lowerMedian([9, 1, 5]), 5);
  assert.throws(() => lowerMedian([]), RangeError);
  assert.deepEqual(clipFactors([3, 4, 12]), [1, 1, 4 / 12]);
  assert.deepEqual(clipFactors([1, 100]), [1, 1 / 100]);
});

test('the outer step: θ′ = fround(θ − η·mean of clipped Δ), exact for hand-computed values', () => {
  const theta = Float32Array.from([1, 2, 3, 4]);
  // Norms 3, 4 and 12: the median is 4, so only the third is clipped, by 4/12.
  const a = sparse(4, [[1, 3]]);
  const b = sparse(4, [[0, 4]]);
  const c = sparse(4, [[2, 12]]);
  const step = outerStep(theta, [a, b, c], 0.5);
  assert.ok(step.applied);
  assert.deepEqual(step.clipFactors, [1, 1, 1 / 3]);
  const expected = Float32Array.from([1 - 0.5 * (4 / 3), 2 - 0.5 * (3 / 3), 3 - 0.5 * ((12 * (1 / 3)) / 3), 4].map(Math.fround));
  assert.deepEqual(step.model, expected);
  assert.deepEqual(theta, Float32Array.from([1, 2, 3, 4]), 'θ is not modified');
});

test('a contribution scaled ×100 is clipped to the median norm: it moves the model no more than its peers', () => {
  const total = 2048;
  const prng = createPrng(new TextEncoder().encode('clip'));
  const dense = (scale: number): Float32Array => Float32Array.from({ length: total }, () => scale * prng.gaussian());
  const opts = { chunkSize: 1024, topK: 16 };
  const expect = { total, ...opts, maxBytes: 1 << 20 };
  const honest = [dense(1e-3), dense(1e-3), dense(1e-3)].map((d) => decodePseudoGradient(encodePseudoGradient(d, opts).payload, expect));
  const huge = decodePseudoGradient(encodePseudoGradient(dense(1e-3).map((v) => v * 100), opts).payload, expect);
  const norms = [...honest, huge].map(l2Norm);
  const factors = clipFactors(norms);
  assert.ok(norms[3]! > 50 * Math.max(...norms.slice(0, 3)));
  assert.ok(factors[3]! < 0.05);
  assert.ok(Math.abs(norms[3]! * factors[3]! - lowerMedian(norms)) <= 1e-12 * lowerMedian(norms));
  const theta = new Float32Array(total);
  const step = outerStep(theta, [...honest, huge], 1);
  let moved = 0;
  for (const v of step.model) moved += v * v;
  // Mean of four vectors of norm ≤ median: the step's norm is at most the median.
  assert.ok(Math.sqrt(moved) <= lowerMedian(norms) * (1 + 1e-6), `step norm ${Math.sqrt(moved)}`);
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
  assert.equal(toHex(modelHash(step.model)), '1d6fe0f4e3e46978b65d50ef829fdae62fedc35dfa2c8b96efa00718fb6c9e2a');
});
