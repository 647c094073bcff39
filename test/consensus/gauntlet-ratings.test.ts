import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rate, rating as openskillRating } from 'openskill';
import { plackettLuce, rankOrder, PL_TAU } from '../../consensus/gauntlet/plackett-luce.ts';
import { BASELINE_PLAYER, movingAverage, rateAgainstBaseline, updateRatings } from '../../consensus/gauntlet/ratings.ts';
import { NEW_RATING, finalScore, mergeRatings, ordinal, revertRatings, type Rating } from '../../consensus/gauntlet/state.ts';
import { computeFullStateRoot, ratingLeaf, ratingsRoot } from '../../consensus/state-root.ts';
import { computeStateRoot } from '../../consensus/state-transition.ts';
import { toHex } from '../../consensus/hash.ts';
import { testGenesis } from '../util/fixtures.ts';

function f64Hex(values: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(8));
  return values
    .map((v) => {
      view.setFloat64(0, v);
      return view.getBigUint64(0).toString(16).padStart(16, '0');
    })
    .join(' ');
}

test('Plackett-Luce agrees with the openskill package within 1e-9 on random games, ties included', () => {
  const player = fc.record({
    mu: fc.double({ min: -20, max: 80, noNaN: true }),
    sigma: fc.double({ min: 0.05, max: 12, noNaN: true }),
  });
  const game = fc.integer({ min: 2, max: 32 }).chain((n) =>
    fc.tuple(
      fc.array(player, { minLength: n, maxLength: n }),
      // Few distinct values, so ties are common.
      fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }).map((k) => k / 10), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: n, maxLength: n }),
    ),
  );
  fc.assert(
    fc.property(game, ([players, scores]) => {
      const ours = plackettLuce(players, scores);
      const theirs = rate(
        players.map((p) => [openskillRating(p)]),
        { score: scores },
      );
      ours.forEach((r, i) => {
        const t = theirs[i]![0]!;
        assert.ok(Math.abs(r.mu - t.mu) <= 1e-9, `mu ${r.mu} vs ${t.mu}`);
        assert.ok(Math.abs(r.sigma - t.sigma) <= 1e-9, `sigma ${r.sigma} vs ${t.sigma}`);
      });
    }),
    { numRuns: 300 },
  );
});

test('Plackett-Luce golden vector: a fixed game gives these exact bits', () => {
  const players = [
    { mu: 25, sigma: 25 / 3 },
    { mu: 30, sigma: 5 },
    { mu: 20, sigma: 7 },
    { mu: 25, sigma: 25 / 3 },
  ];
  const out = plackettLuce(players, [0.1, 0.3, 0.1, -0.2]);
  assert.equal(
    f64Hex(out.flatMap((r) => [r.mu, r.sigma])),
    '40388c7fed481d7d 40203d184b390f86 403eff8591a1972d 4013f1c90adf7dd3 4034238d6cffc420 401ba63f3e2cab95 40367b75b382f9bf 40203d184b390f86',
  );
});

test('the winner rises and the loser falls; uncertainty shrinks; tied players move alike', () => {
  const [winner, loser] = plackettLuce([NEW_RATING, NEW_RATING], [0.2, -0.1]);
  assert.ok(winner!.mu > 25 && loser!.mu < 25);
  assert.ok(winner!.sigma < 25 / 3 && loser!.sigma < 25 / 3);
  assert.ok(ordinal(winner!) > 0);
  // The order of the input does not matter, only the scores.
  const [l2, w2] = plackettLuce([NEW_RATING, NEW_RATING], [-0.1, 0.2]);
  assert.deepEqual([w2, l2], [winner, loser]);
  const tied = plackettLuce([NEW_RATING, NEW_RATING, NEW_RATING], [0.1, 0.1, -0.5]);
  assert.deepEqual(tied[0], tied[1]);
  assert.ok(tied[0]!.mu > 25 && tied[2]!.mu < 25);
  // A higher rank gives a higher mu, whatever the gap in score.
  const spread = plackettLuce([NEW_RATING, NEW_RATING, NEW_RATING, NEW_RATING], [0.4, 0.3, 0.2, 0.1]);
  for (let i = 1; i < 4; i++) assert.ok(spread[i - 1]!.mu > spread[i]!.mu);
});

test('fewer than two players: no ranking, no change (not even tau)', () => {
  assert.deepEqual(plackettLuce([{ mu: 31, sigma: 2 }], [0.5]), [{ mu: 31, sigma: 2 }]);
  assert.deepEqual(plackettLuce([], []), []);
  assert.ok(PL_TAU > 0);
  assert.throws(() => plackettLuce([NEW_RATING, NEW_RATING], [0, NaN]), RangeError);
});

test('rankOrder: by score descending, ties in input order', () => {
  assert.deepEqual(rankOrder([0.1, 0.3, 0.1, -0.2, 0.3]), [1, 4, 0, 2, 3]);
});

test('updateRatings: new contributors start at the defaults; binaryMA moves by alpha; counts grow', () => {
  const ratings = new Map<string, Rating>([['aa', { mu: 30, sigma: 4, binaryMA: 0.5, contributions: 7, rewards: 123n }]]);
  const out = updateRatings(0.05, ratings, [
    { key: 'aa', score: 0.2, indicator: 1 },
    { key: 'bb', score: 0.1, indicator: -1 },
  ]);
  // Each plays the baseline (score 0, the initial rating), not the other.
  const [aa] = plackettLuce([ratings.get('aa')!, BASELINE_PLAYER], [0.2, 0]);
  const [bb] = plackettLuce([NEW_RATING, BASELINE_PLAYER], [0.1, 0]);
  assert.deepEqual(out[0], { ...aa!, binaryMA: 0.95 * 0.5 + 0.05, contributions: 8, rewards: 123n });
  assert.deepEqual(out[1], { ...bb!, binaryMA: -0.05, contributions: 1, rewards: 0n });
  assert.equal(movingAverage(0, 1, 0.05), 0.05);
  assert.equal(movingAverage(1, 1, 0.05), 1);
});

test('the baseline: a lone contribution is rated, and worse than nothing ranks below nothing', () => {
  const ratings = new Map<string, Rating>([['aa', { mu: 30, sigma: 4, binaryMA: 0.5, contributions: 7, rewards: 123n }]]);
  // Alone in its block, just above 0: it beats the empty update and rises.
  const [better] = updateRatings(0.05, ratings, [{ key: 'aa', score: 1e-9, indicator: 1 }]);
  assert.ok(better!.mu > 30 && better!.sigma < Math.sqrt(16 + PL_TAU * PL_TAU));
  // Just below 0: it loses to the empty update and falls.
  const [worse] = updateRatings(0.05, ratings, [{ key: 'aa', score: -1e-9, indicator: -1 }]);
  assert.ok(worse!.mu < 30);
  assert.equal(worse!.contributions, 8);
  // Exactly 0 ties with the baseline: a free rider who sends nothing gains nothing on a new rating.
  const [tie] = updateRatings(0.05, new Map(), [{ key: 'cc', score: 0, indicator: 1 }]);
  assert.equal(tie!.mu, 25);
  // In a crowd too: above 0 wins, below 0 loses, by the sign against the baseline alone.
  const crowd = updateRatings(0.05, new Map(), [
    { key: 'a', score: 0.3, indicator: 1 },
    { key: 'b', score: 0.1, indicator: 1 },
    { key: 'c', score: -0.1, indicator: 1 },
  ]);
  assert.ok(crowd[0]!.mu === crowd[1]!.mu && crowd[1]!.mu > 25 && crowd[2]!.mu < 25);
  assert.deepEqual(rateAgainstBaseline([], []), []);
});

test('no gain from exclusion in the ratings: a contributor\'s update does not depend on who else is in the block', () => {
  const ratings = new Map<string, Rating>([
    ['aa', { mu: 30, sigma: 4, binaryMA: 0.5, contributions: 7, rewards: 0n }],
    ['bb', { mu: 38, sigma: 2, binaryMA: 0.9, contributions: 40, rewards: 0n }],
  ]);
  const withRival = updateRatings(0.05, ratings, [
    { key: 'aa', score: 0.1, indicator: 1 },
    { key: 'bb', score: 0.4, indicator: 1 },
  ]);
  const rivalLeftOut = updateRatings(0.05, ratings, [{ key: 'aa', score: 0.1, indicator: 1 }]);
  assert.deepEqual(rivalLeftOut[0], withRival[0]);
});

test('the baseline is a fixed anchor: the same in every game, never stored', () => {
  assert.deepEqual(BASELINE_PLAYER, { mu: NEW_RATING.mu, sigma: NEW_RATING.sigma });
  const ratings = new Map<string, Rating>();
  let current: Rating = NEW_RATING;
  // Ten lone wins in a row: the contributor rises each time; the anchor it beats does not move.
  for (let i = 0; i < 10; i++) {
    const [next] = updateRatings(0.05, new Map([['aa', current]]), [{ key: 'aa', score: 0.1, indicator: 1 }]);
    assert.ok(next!.mu > current.mu);
    current = next!;
  }
  assert.equal(ratings.size, 0);
  assert.deepEqual(rateAgainstBaseline([{ mu: 25, sigma: 25 / 3 }], [0.1]), [plackettLuce([NEW_RATING, BASELINE_PLAYER], [0.1, 0])[0]]);
});

test('final score = max(0, ordinal) · max(0, binaryMA), never −0', () => {
  assert.equal(finalScore({ mu: 40, sigma: 2, binaryMA: 0.5 }), (40 - 6) * 0.5);
  assert.ok(Object.is(finalScore({ mu: 40, sigma: 2, binaryMA: -0.5 }), 0));
  assert.ok(Object.is(finalScore({ mu: 10, sigma: 5, binaryMA: 0.5 }), 0));
  assert.ok(Object.is(finalScore(NEW_RATING), 0));
});

test('ratings leaves and root: golden bytes; the state root with no ratings is the accounts-only root', () => {
  const r: Rating = { mu: 26.5, sigma: 7.25, binaryMA: 0.05, contributions: 3, rewards: 1_000_000n };
  const address = new Uint8Array(20).fill(0xab);
  assert.equal(toHex(ratingLeaf(address, r)), '5041d105fc028bdab4b765aa8b708eeedfd27a024bc9914b9e5049ee50053c6c');
  const other = new Uint8Array(20).fill(0x01);
  assert.equal(
    toHex(ratingsRoot([[other, NEW_RATING], [address, r]])),
    'e60e72640b8257dc0527b9df3c923ed1657b22aba2c36a8695742fc540e29ff3',
  );
  const g = testGenesis();
  assert.deepEqual(computeFullStateRoot(g.accounts, new Map()), computeStateRoot(g.accounts));
  assert.deepEqual(g.block.header.stateRoot, computeFullStateRoot(g.accounts, new Map()));
  // Sorted by address whatever the map's insertion order; any change to a rating changes the root.
  const a = computeFullStateRoot(g.accounts, new Map([[toHex(address), r], [toHex(other), NEW_RATING]]));
  const b = computeFullStateRoot(g.accounts, new Map([[toHex(other), NEW_RATING], [toHex(address), r]]));
  assert.deepEqual(a, b);
  const c = computeFullStateRoot(g.accounts, new Map([[toHex(other), NEW_RATING], [toHex(address), { ...r, rewards: r.rewards + 1n }]]));
  assert.notDeepEqual(a, c);
});

test('merge and revert: undo data restores the ratings exactly, null removing what the block created', () => {
  const base = new Map<string, Rating>([['aa', NEW_RATING]]);
  const changed = new Map<string, Rating>([
    ['aa', { ...NEW_RATING, mu: 27 }],
    ['bb', { ...NEW_RATING, contributions: 1 }],
  ]);
  const after = mergeRatings(base, changed);
  assert.equal(after.get('aa')!.mu, 27);
  const previous = new Map<string, Rating | null>([
    ['aa', NEW_RATING],
    ['bb', null],
  ]);
  assert.deepEqual(revertRatings(after, previous), base);
});
