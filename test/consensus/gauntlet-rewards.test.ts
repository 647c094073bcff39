import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WEIGHT_UNITS, contributorWeights, dividePool, weightPower, weightUnits } from '../../consensus/gauntlet/rewards.ts';
import { exp, log } from '../../trainer/reference/math.ts';

test('weights: final^p over the contributions that scored > 0', () => {
  const w = contributorWeights([3, 1, 5, 2], [0.1, 0.2, -0.1, 0.3], 2);
  // The third scored ≤ 0: not paid, whatever its rating. The rest: 9 : 1 : 4, scaled by 1/3 first.
  const x = [1, 1 / 3, 0, 2 / 3].map((v) => v * v);
  const sum = x[0]! + x[1]! + x[2]! + x[3]!;
  assert.deepEqual(w, x.map((v) => v / sum));
  assert.ok(Math.abs(w[0]! - 9 / 14) < 1e-15 && w[2] === 0);
});

test('cold start: when every paid contribution has final 0, weights follow the positive scores', () => {
  assert.deepEqual(contributorWeights([0, 0, 7], [0.1, 0.3, -0.2], 2), [0.1 / 0.4, 0.3 / 0.4, 0]);
  // A positive final on a contribution that is not paid does not end the cold start.
  assert.deepEqual(contributorWeights([0, 0, 7], [0.2, 0.2, 0], 2), [0.5, 0.5, 0]);
  assert.deepEqual(contributorWeights([0, 4], [-0.1, 0], 2), [0, 0]);
  assert.deepEqual(contributorWeights([], [], 2), []);
});

test('weightPower: repeated multiplication for integer p, the project exp/log otherwise', () => {
  assert.equal(weightPower(3, 1), 3);
  assert.equal(weightPower(3, 2), 9);
  assert.equal(weightPower(1.1, 3), 1.1 * 1.1 * 1.1);
  assert.equal(weightPower(0, 2), 0);
  assert.equal(weightPower(0.25, 0.5), exp(0.5 * log(0.25)));
  assert.ok(Math.abs(weightPower(0.25, 0.5) - 0.5) < 1e-15);
});

test('weight units: ⌊w·2^32⌋ exactly; out-of-range weights are refused', () => {
  assert.equal(weightUnits(1), BigInt(WEIGHT_UNITS));
  assert.equal(weightUnits(0.5), 2n ** 31n);
  assert.equal(weightUnits(1 / 3), 1431655765n);
  assert.equal(weightUnits(0), 0n);
  assert.throws(() => weightUnits(NaN), RangeError);
  assert.throws(() => weightUnits(1.5), RangeError);
});

test('pool division: floor(pool·units/Σunits); the remainder and an unpaid pool are burned', () => {
  const third = dividePool(100n, [1 / 3, 1 / 3, 1 / 3]);
  assert.deepEqual(third.rewards, [33n, 33n, 33n]);
  assert.equal(third.paid, 99n);
  assert.equal(third.burned, 1n);
  const none = dividePool(4_000_000_000n, [0, 0]);
  assert.deepEqual(none, { rewards: [0n, 0n], paid: 0n, burned: 4_000_000_000n });
  const golden = dividePool(4_000_000_000n, contributorWeights([12.5, 3.25, 0, 8], [0.05, 0.01, 0.2, 0.03], 2));
  // 12.5² : 3.25² : 0 : 8² = 0.6770 : 0.0458 : 0 : 0.2773 of the pool.
  assert.deepEqual(golden.rewards, [2707825616n, 183049011n, 0n, 1109125372n]);
  assert.equal(golden.burned, 4_000_000_000n - 2707825616n - 183049011n - 1109125372n);
});

test('conservation on random inputs: paid + burned = pool, no reward negative, nothing paid to a score ≤ 0', () => {
  const entry = fc.record({ final: fc.double({ min: 0, max: 1000, noNaN: true }), score: fc.double({ min: -1, max: 1, noNaN: true }) });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 40 }), fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.integer({ min: 1, max: 8 }), (entries, pool, p) => {
      const weights = contributorWeights(
        entries.map((e) => e.final),
        entries.map((e) => e.score),
        p,
      );
      let sum = 0;
      for (const w of weights) sum += w;
      assert.ok(sum <= 1 + 1e-12);
      const d = dividePool(pool, weights);
      assert.equal(d.paid + d.burned, pool);
      assert.ok(d.burned >= 0n);
      d.rewards.forEach((r, i) => {
        assert.ok(r >= 0n);
        if (!(entries[i]!.score > 0)) assert.equal(r, 0n);
      });
    }),
    { numRuns: 300 },
  );
});
