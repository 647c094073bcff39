import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Contribution } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { signContribution } from '../../chain/contribution.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import { selectContributions } from '../../consensus/gauntlet/filters.ts';
import { admissionOrder, contributionValue, isReservedPlace, RESERVE_EVERY, takesReserve, type ContributionValue } from '../../consensus/gauntlet/value.ts';
import { ContributionPool } from '../../src/gauntlet/contribution-pool.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { createPrng } from '../../trainer/prng.ts';
import { testGenesis, testKeys } from '../util/fixtures.ts';

/** A value by hand: proven (final > 0), rated without a final (games ≥ 1), or fresh (games 0). */
const proven = (name: string, final: number): ContributionValue => ({ final, ordinal: final, games: 10, work: 16, id: name });
const rated = (name: string, games: number, ordinal = -3): ContributionValue => ({ final: 0, ordinal, games, work: 16, id: name });
const fresh = (name: string, work = 30): ContributionValue => ({ final: 0, ordinal: 0, games: 0, work, id: name });
const order = (values: readonly ContributionValue[]): string[] => admissionOrder(values, (v) => v).map((v) => v.id);

test('admission: one place in four is reserved, ⌊n/4⌋ of any first n, the 4th, 8th, 12th …', () => {
  assert.equal(RESERVE_EVERY, 4);
  const reserved = Array.from({ length: 16 }, (_, k) => k).filter(isReservedPlace);
  assert.deepEqual(reserved, [3, 7, 11, 15]);
  for (let n = 0; n <= 40; n++) assert.equal(Array.from({ length: n }, (_, k) => k).filter(isReservedPlace).length, Math.floor(n / RESERVE_EVERY));
});

test('admission: the least-played rated contributors take the reserved places, at the limit and just past it', () => {
  // 12 proven contributors, 20 fresh keys with more stamp work than anyone, and starved
  // contributors (rated, lost their games: ordinal < 0, below every fresh key).
  const provenSet = Array.from({ length: 12 }, (_, i) => proven(`p${String(i).padStart(2, '0')}`, 100 - i));
  const spam = Array.from({ length: 20 }, (_, i) => fresh(`s${String(i).padStart(2, '0')}`));
  // At the limit: three starved contributors for the three reserved places of 12.
  const starved3 = [rated('r-a', 2, -5), rated('r-b', 3, -1), rated('r-c', 4, -9)];
  const first12 = order([...spam, ...starved3, ...provenSet]).slice(0, 12);
  assert.deepEqual(first12, ['p00', 'p01', 'p02', 'r-a', 'p03', 'p04', 'p05', 'r-b', 'p06', 'p07', 'p08', 'r-c']);
  // Just past it: a fourth starved contributor, played more than the three, waits (and it is not
  // let in by value either: the fresh keys' ordinal 0 ranks above its −1 among the rest).
  const starved4 = [...starved3, rated('r-d', 5, -1)];
  const all = order([...spam, ...starved4, ...provenSet]);
  assert.deepEqual(all.slice(0, 12), first12);
  assert.equal(all.indexOf('r-d'), 15);
  // With 11 places only two reserved places exist: the third starved contributor is out.
  assert.deepEqual(all.slice(0, 11).filter((id) => id.startsWith('r-')), ['r-a', 'r-b']);
  // Fewer games first, whatever the ordinal; then stamp work.
  const tie = order([...provenSet, { ...rated('r-x', 2), work: 17 }, rated('r-y', 2), rated('r-z', 1, -20)]);
  assert.deepEqual([tie[3], tie[7], tie[11]], ['r-z', 'r-x', 'r-y']);
});

test('admission: fresh keys and proven contributors never take a reserved place; an empty reserve goes by value', () => {
  assert.equal(takesReserve(fresh('f')), false);
  assert.equal(takesReserve(proven('p', 1e-9)), false);
  assert.equal(takesReserve(rated('r', 1, 7)), true);
  // No rated contributor without a final: the order is the value order.
  const values = [...Array.from({ length: 6 }, (_, i) => proven(`p${i}`, 10 - i)), ...Array.from({ length: 6 }, (_, i) => fresh(`f${i}`, 20 + i))];
  const byValue = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'f5', 'f4', 'f3', 'f2', 'f1', 'f0'];
  assert.deepEqual(order(values), byValue);
  // Every item appears once, whatever the mix.
  const mixed = [...values, rated('r0', 1), rated('r1', 7, 4)];
  const o = order(mixed);
  assert.equal(new Set(o).size, mixed.length);
  assert.equal(o[3], 'r0');
  assert.equal(o[7], 'r1');
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

test('admission through the real pool and template: a starved contributor gets in past a pool full of fresh keys', () => {
  const max = params.gauntlet.maxContributions;
  const provenCount = max;
  const ratings = new Map<string, Rating>();
  for (let i = 0; i < provenCount; i++) ratings.set(toHex(keys[i]!.address), { mu: 40 - i / 10, sigma: 2, binaryMA: 1, contributions: 20, rewards: 0n });
  // Starved: lost its first two games to the baseline (ordinal below a fresh key's 0).
  const starved = 30;
  ratings.set(toHex(keys[starved]!.address), { mu: 20, sigma: 7.5, binaryMA: 0, contributions: 2, rewards: 0n });
  const pool = new ContributionPool(params, TIP, { maxCount: max, ratings: () => ratings });
  // Fresh keys fill the pool first, then the proven and the starved contributor arrive.
  for (let i = provenCount; i < starved; i++) pool.add(make(i));
  for (let i = 0; i < provenCount; i++) pool.add(make(i));
  assert.equal(pool.size, max);
  // Full of proven contributors: the starved one evicts the last of them for a reserved place.
  assert.equal(pool.add(make(starved)).status, 'accept');
  // A fresh key arriving now is worth less than everything held, and cannot take the reserve.
  const late = pool.add(make(starved + 1));
  assert.equal(late.status === 'ignore' && late.reason, 'pool-full');
  const offered = pool.contributionsFor(TIP);
  assert.equal(contributionValue(ratings, make(starved)).games, 2);
  const { accepted } = selectContributions(params, TIP, offered, ratings);
  assert.equal(accepted.length, max);
  const inBlock = new Set(accepted.map((c) => toHex(c.contributorPublicKey)));
  assert.ok(inBlock.has(toHex(keys[starved]!.publicKey)), 'the starved contributor is in the block');
  // The proven contributors keep all but the reserved places.
  const provenIn = Array.from({ length: provenCount }, (_, i) => i).filter((i) => inBlock.has(toHex(keys[i]!.publicKey)));
  assert.equal(provenIn.length, max - 1);
  // No fresh key is in the block: the one reserved place it could not take went to the starved one.
  for (let i = provenCount; i < starved; i++) assert.ok(!inBlock.has(toHex(keys[i]!.publicKey)));
});
