import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WEIGHT_UNITS, contributorWeights, dividePool, weightPower, weightUnits, type RatedContribution, type RewardParams } from '../../consensus/gauntlet/rewards.ts';
import {
  INITIAL_NETWORK_RECORD,
  NETWORK_RECORD_KEY,
  inColdStart,
  isNetworkRecordKey,
  networkRecordAsRating,
  networkRecordOf,
  nextNormaliser,
  type NetworkRecord,
} from '../../consensus/gauntlet/network-record.ts';
import { exp, log } from '../../trainer/reference/math.ts';

const P: RewardParams = { weightPower: 2, maturityGames: 3, normaliserDecay: 0.1, normaliserFloor: 1, maxContributions: 16 };
/** A network past its cold start whose recent blocks summed to 100 (in final^p). */
const RUNNING: NetworkRecord = { normaliser: 100, matured: 10, paid: 0n };

function entry(final: number, score: number, gamesBefore = 10, indicator = 1, copyGroup = -1): RatedContribution {
  return { final, score, indicator, gamesBefore, copyGroup };
}

test('weights: final^p over the network normaliser, for matured contributions that scored > 0', () => {
  const r = contributorWeights(P, RUNNING, [entry(3, 0.1), entry(1, 0.2), entry(5, -0.1), entry(2, 0.3)]);
  // The third scored ≤ 0: not paid, whatever its rating. S = 9 + 1 + 4 = 14 < 0.9·100: N = 90.
  assert.deepEqual(r.weights, [9 / 90, 1 / 90, 0, 4 / 90]);
  assert.equal(r.record.normaliser, 90);
  assert.equal(r.record.matured, 11);
  assert.equal(r.coldStart, false);
  // A block summing to more than the decayed normaliser is divided by its own sum: all is paid.
  const big = contributorWeights(P, RUNNING, [entry(8, 0.1), entry(6, 0.1)]);
  assert.deepEqual(big.weights, [64 / 100, 36 / 100]);
  assert.equal(big.record.normaliser, 100);
});

test('no gain from exclusion: leaving contributors out never raises what the others are paid', () => {
  const all = contributorWeights(P, RUNNING, [entry(6, 0.1), entry(5, 0.1), entry(4, 0.1), entry(3, 0.1)]);
  const censored = contributorWeights(P, RUNNING, [entry(5, 0.1), entry(4, 0.1), entry(3, 0.1)]);
  const solo = contributorWeights(P, RUNNING, [entry(3, 0.1)]);
  // S = 86 < 90: all three divisions use the decayed normaliser, the same for each.
  assert.deepEqual(censored.weights, all.weights.slice(1));
  assert.deepEqual(solo.weights, [9 / 90]);
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 1, maxLength: 20 }), fc.integer({ min: 0, max: 19 }), (finals, drop) => {
      const full = contributorWeights(P, RUNNING, finals.map((f) => entry(f, 0.1)));
      const kept = finals.filter((_, i) => i !== drop % finals.length);
      const part = contributorWeights(P, RUNNING, kept.map((f) => entry(f, 0.1)));
      // What an included contributor is paid is bounded by final^p / ((1 − decay)·N_{t−1}), whoever else is in.
      part.weights.forEach((w, i) => assert.ok(w <= weightPower(kept[i]!, 2) / 90 + 1e-15));
      let sum = 0;
      for (const w of full.weights) sum += w;
      assert.ok(sum <= 1 + 1e-12);
    }),
    { numRuns: 200 },
  );
});

test('maturity: a rating is paid from its maturityGames-th game on, not one game before', () => {
  const atLimit = contributorWeights(P, RUNNING, [entry(4, 0.1, 3)]);
  const justBefore = contributorWeights(P, RUNNING, [entry(4, 0.1, 2)]);
  assert.deepEqual(atLimit.weights, [16 / 90]);
  assert.deepEqual(justBefore.weights, [0]);
  // After the cold start an immature address does not reopen it: it is simply not paid.
  assert.equal(justBefore.coldStart, false);
  assert.equal(justBefore.record.matured, 11);
});

test('the normaliser: max(S, (1 − decay)·N, floor^p), at and just past each bound', () => {
  assert.equal(nextNormaliser(100, 90, 0.1, 1), 90);
  assert.equal(nextNormaliser(100, 90.000001, 0.1, 1), 90.000001);
  assert.equal(nextNormaliser(100, 89.999999, 0.1, 1), 90);
  assert.equal(nextNormaliser(0, 0, 0.1, 1), 1);
  assert.equal(nextNormaliser(1.1, 0, 0.1, 1), 1, 'the floor holds: the normaliser cannot be driven to 0');
  // A lone matured contributor on a network driven down to the floor takes at most final^p / floor^p.
  const floored = contributorWeights({ ...P, normaliserFloor: 3 }, { normaliser: 0, matured: 5, paid: 0n }, [entry(2, 0.1)]);
  assert.deepEqual(floored.weights, [4 / 9]);
});

test('cold start: score share among score > 0 and indicator +1, scaled by the block\'s share of a full block', () => {
  const r = contributorWeights(P, INITIAL_NETWORK_RECORD, [entry(0, 0.1, 0), entry(0, 0.3, 1), entry(0, 0.2, 2, -1), entry(0, -0.2, 0)]);
  // Two eligible of 16: together 2/16 of the pool, split 1 : 3 by score.
  assert.deepEqual(r.weights, [(0.1 / 0.4) * (2 / 16), (0.3 / 0.4) * (2 / 16), 0, 0]);
  assert.equal(r.coldStart, true);
  assert.equal(r.record.matured, 0);
  // A block holding only its miner's contribution: 1/maxContributions, not the pool.
  assert.deepEqual(contributorWeights(P, INITIAL_NETWORK_RECORD, [entry(0, 0.5, 0)]).weights, [1 / 16]);
  // The indicator is required: at −1 nothing is paid.
  assert.deepEqual(contributorWeights(P, INITIAL_NETWORK_RECORD, [entry(0, 0.5, 0, -1)]).weights, [0]);
  assert.deepEqual(contributorWeights(P, INITIAL_NETWORK_RECORD, []).weights, []);
});

test('copies: a payload several contributions carry is paid once, to the strictly highest final; in the cold start to none', () => {
  // Author and copy score alike; the copy's indicator happened to be +1 too.
  const copies = [entry(0, 0.3, 0, 1, 0), entry(0, 0.3, 0, 1, 0), entry(0, 0.1, 0)];
  assert.deepEqual(contributorWeights(P, INITIAL_NETWORK_RECORD, copies).weights, [0, 0, 1 / 16]);
  // Past the cold start the higher final (the indicator's history) takes it, whichever came first.
  const later = contributorWeights(P, RUNNING, [entry(1, 0.3, 10, 1, 0), entry(3, 0.3, 10, 1, 0), entry(2, 0.2)]);
  assert.deepEqual(later.weights, [0, 9 / 90, 4 / 90]);
  // An exact tie pays neither copy; another group is judged on its own.
  const tie = contributorWeights(P, RUNNING, [entry(3, 0.3, 10, 1, 0), entry(3, 0.3, 10, 1, 0), entry(2, 0.2, 10, 1, 2), entry(1, 0.2, 10, 1, 2)]);
  assert.deepEqual(tie.weights, [0, 0, 4 / 90, 0]);
});

test('the cold start ends at the first matured rating in a block, for good', () => {
  const ending = contributorWeights(P, INITIAL_NETWORK_RECORD, [entry(2, 0.1, 3), entry(0, 0.3, 0)]);
  assert.equal(ending.coldStart, false);
  assert.equal(ending.record.matured, 1);
  // The normaliser starts at the floor: this block pays its matured contributor by its own sum.
  assert.deepEqual(ending.weights, [1, 0]);
  // A later block of fresh addresses only: no cold start again, nothing paid.
  const fresh = contributorWeights(P, ending.record, [entry(0, 0.5, 0), entry(0, 0.4, 0)]);
  assert.equal(fresh.coldStart, false);
  assert.deepEqual(fresh.weights, [0, 0]);
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

test('pool division: floor(pool·units/2^32); what the weights leave, and the floors, burn', () => {
  const third = dividePool(100n, [1 / 3, 1 / 3, 1 / 3]);
  assert.deepEqual(third.rewards, [33n, 33n, 33n]);
  assert.equal(third.paid, 99n);
  assert.equal(third.burned, 1n);
  const none = dividePool(4_000_000_000n, [0, 0]);
  assert.deepEqual(none, { rewards: [0n, 0n], paid: 0n, burned: 4_000_000_000n });
  // Weights summing to 1/2: half the pool burns (the miner does not get it).
  const half = dividePool(1000n, [0.25, 0.25]);
  assert.deepEqual(half, { rewards: [250n, 250n], paid: 500n, burned: 500n });
  const golden = dividePool(4_000_000_000n, contributorWeights(P, RUNNING, [entry(12.5, 0.05), entry(3.25, 0.01), entry(0, 0.2), entry(8, 0.03)]).weights);
  // S = 12.5² + 3.25² + 8² = 230.8125 > 90: the block's own sum; 0.6770 : 0.0458 : 0 : 0.2773.
  assert.deepEqual(golden.rewards, [2707825616n, 183049011n, 0n, 1109125372n]);
  assert.equal(golden.burned, 4_000_000_000n - 2707825616n - 183049011n - 1109125372n);
});

test('conservation on random inputs: paid + burned = pool, no reward negative, nothing paid to a score ≤ 0', () => {
  const e = fc.record({
    final: fc.double({ min: 0, max: 1000, noNaN: true }),
    score: fc.double({ min: -1, max: 1, noNaN: true }),
    indicator: fc.constantFrom(1, -1),
    gamesBefore: fc.integer({ min: 0, max: 6 }),
    copyGroup: fc.constantFrom(-1, 0, 1),
  });
  const record = fc.record({ normaliser: fc.double({ min: 0, max: 1e7, noNaN: true }), matured: fc.integer({ min: 0, max: 3 }), paid: fc.constant(0n) });
  fc.assert(
    fc.property(fc.array(e, { maxLength: 40 }), record, fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.integer({ min: 1, max: 8 }), (entries, rec, pool, p) => {
      const { weights } = contributorWeights({ ...P, weightPower: p }, rec, entries);
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

test('the network record is a reserved ratings leaf: round trip, absent means the initial record', () => {
  const record: NetworkRecord = { normaliser: 1234.5, matured: 17, paid: 987654321n };
  const ratings = new Map([[NETWORK_RECORD_KEY, networkRecordAsRating(record)]]);
  assert.deepEqual(networkRecordOf(ratings), record);
  assert.deepEqual(networkRecordOf(new Map()), INITIAL_NETWORK_RECORD);
  assert.ok(inColdStart(INITIAL_NETWORK_RECORD) && !inColdStart(record));
  assert.ok(isNetworkRecordKey('00'.repeat(20)) && !isNetworkRecordKey('00'.repeat(19) + '01'));
  assert.equal(networkRecordAsRating(record).sigma, 0);
});
