import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Contribution } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { addressHash } from '../../consensus/address.ts';
import { signContribution } from '../../chain/contribution.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import { selectContributions } from '../../consensus/gauntlet/filters.ts';
import { admissionOrder, compareLeastPlayed, contributionValue, isReservedPlace, placeKind, RESERVE_EVERY, takesNewcomerPlace, takesReserve, type ContributionValue } from '../../consensus/gauntlet/value.ts';
import { ContributionPool } from '../../src/gauntlet/contribution-pool.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { createPrng } from '../../trainer/prng.ts';
import { testGenesis, testKeys } from '../util/fixtures.ts';

/** A value by hand: proven (final > 0), rated without a final (games ≥ 1), or fresh (games 0). */
const proven = (name: string, final: number): ContributionValue => ({ final, ordinal: final, games: 10, work: 16, id: name });
const rated = (name: string, games: number, ordinal = -3): ContributionValue => ({ final: 0, ordinal, games, work: 16, id: name });
const fresh = (name: string, work = 30): ContributionValue => ({ final: 0, ordinal: 0, games: 0, work, id: name });
const order = (values: readonly ContributionValue[]): string[] => admissionOrder(values, (v) => v).map((v) => v.id);

test('admission: one place in four is reserved, ⌊n/4⌋ of any first n, newcomer and rated places in turn', () => {
  assert.equal(RESERVE_EVERY, 4);
  const kinds = Array.from({ length: 24 }, (_, k) => placeKind(k));
  assert.deepEqual(
    kinds.flatMap((kind, k) => (kind === 'value' ? [] : [`${k}:${kind}`])),
    ['3:newcomer', '7:rated', '11:newcomer', '15:rated', '19:newcomer', '23:rated'],
  );
  for (let n = 0; n <= 40; n++) assert.equal(Array.from({ length: n }, (_, k) => k).filter(isReservedPlace).length, Math.floor(n / RESERVE_EVERY));
});

test('admission: the least-played take the reserved places, at the limit and just past it', () => {
  // 12 proven contributors, 20 fresh keys (spam) with more stamp work than anyone, and starved
  // contributors (rated, lost their games: ordinal < 0, below every fresh key by value).
  const provenSet = Array.from({ length: 12 }, (_, i) => proven(`p${String(i).padStart(2, '0')}`, 100 - i));
  const spam = Array.from({ length: 20 }, (_, i) => fresh(`s${String(i).padStart(2, '0')}`, 30 - (i % 3)));
  const starved = [rated('r-a', 2, -5), rated('r-b', 3, -1), rated('r-c', 4, -9)];
  const all = order([...spam, ...starved, ...provenSet]);
  // A block of 12: nine proven by value, the best-stamped fresh key at each newcomer place, and the
  // least-played starved contributor at the rated place: the spam cannot take it.
  assert.deepEqual(all.slice(0, 12), ['p00', 'p01', 'p02', 's00', 'p03', 'p04', 'p05', 'r-a', 'p06', 'p07', 'p08', 's03']);
  // At the limit: with 8 places the rated place is the last one and r-a holds it; with 7 it is out.
  assert.ok(all.slice(0, 8).includes('r-a'));
  assert.ok(!all.slice(0, 7).includes('r-a'));
  // Just past it: the next starved contributor (played more) has the next rated place, the 16th.
  assert.equal(all.indexOf('r-b'), 15);
  assert.equal(all.indexOf('r-c'), 23);
  // Fewer games first, whatever the ordinal; then stamp work.
  const tie = order([...provenSet, { ...rated('r-x', 2), work: 17 }, rated('r-y', 2), rated('r-z', 1, -20)]);
  // No fresh key: the newcomer places take the least-played rated contributors too.
  assert.deepEqual([tie[3], tie[7], tie[11]], ['r-z', 'r-x', 'r-y']);
});

test('admission: proven contributors never take a reserved place, fresh keys never a rated one; an empty reserve goes by value', () => {
  assert.equal(takesReserve(fresh('f')), false);
  assert.equal(takesNewcomerPlace(fresh('f')), true);
  assert.equal(takesReserve(proven('p', 1e-9)), false);
  assert.equal(takesNewcomerPlace(proven('p', 1e-9)), false);
  assert.equal(takesReserve(rated('r', 1, 7)), true);
  // Proven contributors only: the order is the value order.
  const provenOnly = Array.from({ length: 9 }, (_, i) => proven(`p${i}`, 10 - i));
  assert.deepEqual(order(provenOnly), provenOnly.map((v) => v.id));
  // Fresh keys and proven contributors: a fresh key at each newcomer place; the rated places,
  // without a rated taker, go by value (proven first, then fresh keys by stamp work).
  const values = [...Array.from({ length: 8 }, (_, i) => proven(`p${i}`, 10 - i)), ...Array.from({ length: 4 }, (_, i) => fresh(`f${i}`, 20 + i))];
  assert.deepEqual(order(values), ['p0', 'p1', 'p2', 'f3', 'p3', 'p4', 'p5', 'p6', 'p7', 'f2', 'f1', 'f0']);
  // Every item appears once, whatever the mix.
  const mixed = [...values, rated('r0', 1), rated('r1', 7, 4)];
  const o = order(mixed);
  assert.equal(new Set(o).size, mixed.length);
  assert.equal(o[3], 'f3');
  assert.equal(o[7], 'r0');
  assert.equal(o[11], 'f2');
});

const g = testGenesis();
const params = g.params;
const keys = testKeys(40);
const TIP = new Uint8Array(32).fill(0xa1);
const codec = { chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK };

function make(i: number): Contribution {
  const prng = createPrng(Uint8Array.of(i));
  const payload = encodePseudoGradient(Float32Array.from({ length: g.model.length }, () => 1e-3 * prng.gaussian()), codec).payload;
  return signContribution({ chainId: params.chainId, contributorPublicKey: keys[i]!.publicKey, parentHash: TIP, payload }, keys[i]!.secretKey, params.gauntlet.stampBits);
}

test('admission through the real pool and template: newcomers and a starved contributor keep their reserved places among proven ones', () => {
  const max = params.gauntlet.maxContributions;
  const ratings = new Map<string, Rating>();
  for (let i = 0; i < max; i++) ratings.set(toHex(keys[i]!.address), { mu: 40 - i / 10, sigma: 2, binaryMA: 1, contributions: 20, rewards: 0n });
  // Starved: lost its first two games to the baseline (ordinal below a fresh key's 0).
  const starved = 30;
  ratings.set(toHex(keys[starved]!.address), { mu: 20, sigma: 7.5, binaryMA: 0, contributions: 2, rewards: 0n });
  assert.equal(contributionValue(ratings, make(starved)).games, 2);
  const pool = new ContributionPool(params, TIP, { maxCount: max, ratings: () => ratings });
  const isProven = (c: Contribution): boolean => (ratings.get(toHex(addressHash(c.contributorPublicKey)))?.contributions ?? 0) === 20;
  // Fresh keys fill the pool first, then the proven contributors arrive: they take every place
  // but the two newcomer places of 16, which keep the two best-stamped fresh keys.
  const freshKeys = Array.from({ length: starved - max }, (_, j) => make(max + j));
  for (const c of freshKeys) pool.add(c);
  for (let i = 0; i < max; i++) pool.add(make(i));
  const held = pool.contributionsFor(TIP);
  assert.equal(held.length, max);
  assert.equal(held.filter(isProven).length, max - 2);
  const bestStamped = [...freshKeys].sort((a, b) => compareLeastPlayed(contributionValue(ratings, a), contributionValue(ratings, b))).slice(0, 2);
  assert.deepEqual(held.filter((c) => !isProven(c)).map((c) => toHex(c.contributorPublicKey)).sort(), bestStamped.map((c) => toHex(c.contributorPublicKey)).sort());
  // The starved contributor evicts the last proven one for a rated place; fresh spam could not.
  assert.equal(pool.add(make(starved)).status, 'accept');
  const { accepted } = selectContributions(params, TIP, pool.contributionsFor(TIP), ratings);
  assert.equal(accepted.length, max);
  assert.ok(accepted.some((c) => bytesEqual(c.contributorPublicKey, keys[starved]!.publicKey)), 'the starved contributor is in the block');
  // At the limit: the proven contributors keep every place but the three reserved places that found takers.
  assert.equal(accepted.filter(isProven).length, max - 3);
});
