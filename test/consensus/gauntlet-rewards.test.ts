import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WEIGHT_UNITS, contributorWeights, dividePool, nextFinalSum, payCeiling, weightPower, weightUnits, type RatedContribution, type RewardParams } from '../../consensus/gauntlet/rewards.ts';
import {
  INITIAL_NETWORK_RECORD,
  NETWORK_RECORD_KEY,
  inColdStart,
  isNetworkRecordKey,
  networkRecordAsRating,
  networkRecordOf,
  blockNormaliser,
  type NetworkRecord,
} from '../../consensus/gauntlet/network-record.ts';
import { exp, log } from '../../trainer/reference/math.ts';

const P: RewardParams = { weightPower: 2, maturityGames: 3, normaliserFloor: 1, maxContributions: 16 };
/** A network past its cold start whose matured ratings sum to 100 (in final^p). */
const RUNNING: NetworkRecord = { normaliser: 100, matured: 10, paid: 0n };

/** A rated contribution whose final did not move in this block unless `finalBefore` says otherwise. */
function entry(final: number, score: number, gamesBefore = 10, indicator = 1, copyGroup = -1, finalBefore = final): RatedContribution {
  return { final, finalBefore, score, indicator, gamesBefore, copyGroup };
}

test('weights: min(final before, after)^p over the network\'s sum of finals, for matured contributions that scored > 0', () => {
  const r = contributorWeights(P, RUNNING, [entry(3, 0.1), entry(1, 0.2), entry(5, -0.1), entry(2, 0.3)]);
  // The third scored ≤ 0: not paid, whatever its rating, and its part burns. N = F = 100.
  assert.deepEqual(r.weights, [9 / 100, 1 / 100, 0, 4 / 100]);
  assert.equal(r.normaliser, 100);
  assert.equal(r.record.normaliser, 100);
  assert.equal(r.record.matured, 11);
  assert.equal(r.coldStart, false);
  // A rating that rose in this block is paid by its final before; one that fell, by its final after.
  const moved = contributorWeights(P, RUNNING, [entry(4, 0.1, 10, 1, -1, 3), entry(2, 0.1, 10, -1, -1, 5)]);
  assert.deepEqual(moved.weights, [9 / 100, 4 / 100]);
  // F follows the ratings' change: 100 − 9 + 16 − 25 + 4.
  assert.equal(moved.record.normaliser, 100 - 9 + 16 - 25 + 4);
});

test('the network\'s sum of finals: matured ratings only, a rating entering at the game that matures it', () => {
  assert.equal(nextFinalSum(P, 100, [entry(4, 0.1, 2, 1, -1, 0)]), 116, 'matures in this block: its after term enters');
  assert.equal(nextFinalSum(P, 100, [entry(4, 0.1, 1, 1, -1, 0)]), 100, 'one game short after this block: not counted');
  assert.equal(nextFinalSum(P, 100, [entry(4, 0.1, 3, 1, -1, 2)]), 100 - 4 + 16);
  assert.equal(nextFinalSum(P, 3, [entry(0, 0.1, 5, 1, -1, 2)]), 0, 'never negative');
  // The cold start keeps the sum too, so the first matured block finds its contributors counted.
  const cold = contributorWeights(P, INITIAL_NETWORK_RECORD, [entry(2, 0.1, 2, 1, -1, 1), entry(3, 0.1, 0)]);
  assert.equal(cold.coldStart, true);
  assert.equal(cold.record.normaliser, 4);
});

test('no gain from exclusion: leaving contributors out changes nobody else\'s weight', () => {
  const F: NetworkRecord = { ...RUNNING, normaliser: 86 };
  const all = contributorWeights(P, F, [entry(6, 0.1), entry(5, 0.1), entry(4, 0.1), entry(3, 0.1)]);
  const censored = contributorWeights(P, F, [entry(5, 0.1), entry(4, 0.1), entry(3, 0.1)]);
  const solo = contributorWeights(P, F, [entry(3, 0.1)]);
  // The block holds every matured rating (S = F = 86): all is paid; left out, the best's part burns.
  assert.deepEqual(all.weights, [36 / 86, 25 / 86, 16 / 86, 9 / 86]);
  assert.deepEqual(censored.weights, all.weights.slice(1));
  assert.deepEqual(solo.weights, [9 / 86]);
  fc.assert(
    fc.property(
      fc.array(fc.record({ before: fc.double({ min: 0, max: 50, noNaN: true }), after: fc.double({ min: 0, max: 50, noNaN: true }) }), { minLength: 1, maxLength: 20 }),
      fc.double({ min: 0, max: 1e4, noNaN: true }),
      fc.integer({ min: 0, max: 19 }),
      (finals, others, drop) => {
        // A record consistent with the ratings: F counts every one of them, and others not in the block.
        let f = others;
        for (const x of finals) f += weightPower(x.before, 2);
        const record = { ...RUNNING, normaliser: f };
        const entries = finals.map((x) => entry(x.after, 0.1, 10, 1, -1, x.before));
        const full = contributorWeights(P, record, entries);
        const part = contributorWeights(
          P,
          record,
          entries.filter((_, i) => i !== drop % finals.length),
        );
        assert.deepEqual(
          part.weights,
          full.weights.filter((_, i) => i !== drop % finals.length),
        );
        let sum = 0;
        for (const w of full.weights) sum += w;
        assert.ok(sum <= 1 + 1e-12);
      },
    ),
    { numRuns: 200 },
  );
});

test('maturity: a rating is paid from its maturityGames-th game on, not one game before', () => {
  const atLimit = contributorWeights(P, RUNNING, [entry(4, 0.1, 3)]);
  const justBefore = contributorWeights(P, RUNNING, [entry(4, 0.1, 2)]);
  assert.deepEqual(atLimit.weights, [16 / 100]);
  assert.deepEqual(justBefore.weights, [0]);
  // After the cold start an immature address does not reopen it: it is simply not paid.
  assert.equal(justBefore.coldStart, false);
  assert.equal(justBefore.record.matured, 11);
});

test('the normaliser: max(F, floor^p, S), at and just past each bound', () => {
  assert.equal(blockNormaliser(100, 1, 90), 100);
  assert.equal(blockNormaliser(100, 1, 100.00001), 100.00001, 'S above F only by rounding: the weights still sum to at most 1');
  assert.equal(blockNormaliser(0.99999, 1, 0.5), 1);
  assert.equal(blockNormaliser(1.00001, 1, 0.5), 1.00001);
  assert.equal(blockNormaliser(0, 1, 0), 1, 'the floor holds: the normaliser is never 0');
  // A lone matured contributor on a network whose sum is below the floor takes final^p / floor^p.
  const floored = contributorWeights({ ...P, normaliserFloor: 3 }, { normaliser: 4, matured: 5, paid: 0n }, [entry(2, 0.1)]);
  assert.deepEqual(floored.weights, [4 / 9]);
  assert.equal(floored.normaliser, 9);
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
  assert.deepEqual(later.weights, [0, 9 / 100, 4 / 100]);
  // An exact tie pays neither copy; another group is judged on its own.
  const tie = contributorWeights(P, RUNNING, [entry(3, 0.3, 10, 1, 0), entry(3, 0.3, 10, 1, 0), entry(2, 0.2, 10, 1, 2), entry(1, 0.2, 10, 1, 2)]);
  assert.deepEqual(tie.weights, [0, 0, 4 / 100, 0]);
});

test('the cold start ends at the first matured rating in a block, for good', () => {
  // The cold start's blocks counted the rating that matured in them: F = 2² when it first plays matured.
  const ending = contributorWeights(P, { ...INITIAL_NETWORK_RECORD, normaliser: 4 }, [entry(2, 0.1, 3), entry(0, 0.3, 0)]);
  assert.equal(ending.coldStart, false);
  assert.equal(ending.record.matured, 1);
  // The only matured rating of the network is in the block: it is paid the whole pool.
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
  const golden = dividePool(4_000_000_000n, contributorWeights(P, { ...RUNNING, normaliser: 400 }, [entry(12.5, 0.05), entry(3.25, 0.01), entry(0, 0.2), entry(8, 0.03)]).weights);
  // F = 400: 156.25 : 10.5625 : 0 : 64 of 400, i.e. 0.390625 : 0.02640625 : 0 : 0.16; 42.3 % burns.
  assert.deepEqual(golden.rewards, [1562500000n, 105624999n, 0n, 639999999n]);
  assert.equal(golden.burned, 4_000_000_000n - 1562500000n - 105624999n - 639999999n);
});

test('conservation on random inputs: paid + burned = pool, no reward negative, nothing paid to a score ≤ 0', () => {
  const e = fc.record({
    final: fc.double({ min: 0, max: 1000, noNaN: true }),
    finalBefore: fc.double({ min: 0, max: 1000, noNaN: true }),
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

test('pay ceiling: no block on the parent pays a contributor more; a rising rating that scored > 0 meets it exactly', () => {
  const pool = 1_000_000n;
  const ceiling = payCeiling(P, RUNNING, 3, 10, pool);
  assert.equal(ceiling, (pool * weightUnits(9 / 100)) / BigInt(WEIGHT_UNITS));
  const paid = (e: RatedContribution, others: RatedContribution[] = []): bigint => dividePool(pool, contributorWeights(P, RUNNING, [e, ...others]).weights).rewards[0]!;
  // At the limit: final before 3, a won game (after 4), score > 0, whoever else is in the block.
  assert.equal(paid(entry(4, 0.1, 10, 1, -1, 3)), ceiling);
  assert.equal(paid(entry(4, 0.1, 10, 1, -1, 3), [entry(9, 0.5), entry(1, 0.2)]), ceiling);
  // Below it: a lost game (after 2), or a score ≤ 0.
  assert.ok(paid(entry(2, 0.1, 10, 1, -1, 3)) < ceiling!);
  assert.equal(paid(entry(4, -0.1, 10, 1, -1, 3)), 0n);
  // Immature after the cold start: 0; the floor bounds it when F is below floor^p; in the cold start there is none.
  assert.equal(payCeiling(P, RUNNING, 3, 2, pool), 0n);
  assert.equal(payCeiling(P, { ...RUNNING, normaliser: 0.5 }, 0.5, 10, pool), (pool * weightUnits(0.25)) / BigInt(WEIGHT_UNITS));
  assert.equal(payCeiling(P, INITIAL_NETWORK_RECORD, 0, 0, pool), null);
});
