import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import type { Contribution } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { selectContributions } from '../../consensus/gauntlet/filters.ts';
import { encodeContribution, signContribution } from '../../chain/contribution.ts';
import { findStamp, stampWork } from '../../consensus/gauntlet/stamp.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import { ContributionPool, type PoolResult } from '../../src/gauntlet/contribution-pool.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { createPrng } from '../../trainer/prng.ts';
import { testGenesis, testKeys, type TestKey } from '../util/fixtures.ts';

const g = testGenesis();
const params = g.params;
const keys = testKeys(8);
const TIP = new Uint8Array(32).fill(0xa1);
const NEXT = new Uint8Array(32).fill(0xb2);
const OLD = new Uint8Array(32).fill(0xc3);
const codec = { chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK };

function payload(seed: number): Uint8Array {
  const prng = createPrng(Uint8Array.of(seed));
  return encodePseudoGradient(Float32Array.from({ length: g.model.length }, () => 1e-3 * prng.gaussian()), codec).payload;
}

/** A signed contribution; changed fields get a fresh valid stamp unless the stamp itself is given. */
function make(key: TestKey, parentHash: Uint8Array, seed = 0, overrides: Partial<Contribution> = {}): Contribution {
  const signed = signContribution({ chainId: params.chainId, contributorPublicKey: key.publicKey, parentHash, payload: payload(seed) }, key.secretKey, params.gauntlet.stampBits);
  const changed = { ...signed, ...overrides };
  return Object.freeze({ ...changed, stamp: overrides.stamp ?? findStamp(params.gauntlet.stampBits, changed) });
}

/** Public keys as hex, sorted: a pool's content whatever its order. */
const keySet = (cs: readonly Contribution[]): string[] => cs.map((c) => toHex(c.contributorPublicKey)).sort();

/** A rating whose final score is (mu − 3·sigma)·binaryMA = final. */
function ratedWith(final: number): Rating {
  return { mu: 25 + final, sigma: 25 / 3, binaryMA: 1, contributions: 10, rewards: 0n };
}

const status = (r: PoolResult): string => (r.status === 'ignore' ? `ignore ${r.reason}` : r.status === 'reject' ? `reject ${r.code}` : 'accept');

test('keeps one contribution per contributor for the tip, first one wins', () => {
  const pool = new ContributionPool(params, TIP);
  const a = make(keys[3]!, TIP, 1);
  const b = make(keys[1]!, TIP, 2);
  assert.equal(status(pool.add(a)), 'accept');
  assert.equal(status(pool.add(b)), 'accept');
  assert.equal(status(pool.add(a)), 'ignore duplicate');
  // A second, different contribution from the same contributor does not replace the first.
  assert.equal(status(pool.add(make(keys[3]!, TIP, 9))), 'ignore contributor-has-one');
  assert.deepEqual(keySet(pool.contributionsFor(TIP)), keySet([a, b]));
  assert.equal(pool.get(keys[3]!.address), a);
  assert.equal(pool.size, 2);
  assert.equal(pool.bytes, encodeContribution(a).length + encodeContribution(b).length);
  assert.deepEqual(pool.contributionsFor(NEXT), []);
  // What the pool holds is what a block on the tip may carry.
  assert.equal(selectContributions(params, TIP, pool.contributionsFor(TIP)).accepted.length, 2);
});

test('two signers of one payload are both held, whoever came first: the Gauntlet judges both', () => {
  const pool = new ContributionPool(params, TIP);
  const original = make(keys[0]!, TIP, 5);
  const copy = signContribution(
    { chainId: params.chainId, contributorPublicKey: keys[1]!.publicKey, parentHash: TIP, payload: original.payload },
    keys[1]!.secretKey,
    params.gauntlet.stampBits,
  );
  assert.equal(status(pool.add(copy)), 'accept');
  assert.equal(status(pool.add(original)), 'accept');
  assert.deepEqual(keySet(pool.contributionsFor(TIP)), keySet([original, copy]));
  // And a block may carry both.
  assert.equal(selectContributions(params, TIP, pool.contributionsFor(TIP)).accepted.length, 2);
});

test('the work stamp: checked before decoding; one bit short is rejected, the required bits accepted', () => {
  const bits = params.gauntlet.stampBits;
  const base = make(keys[0]!, TIP, 1);
  let short = 0n;
  while (stampWork({ ...base, stamp: short }) !== bits - 1) short++;
  let exact = 0n;
  while (stampWork({ ...base, stamp: exact }) !== bits) exact++;
  const pool = new ContributionPool(params, TIP);
  const rejected = pool.add({ ...base, stamp: short });
  assert.equal(status(rejected), 'reject bad-contrib-stamp');
  assert.ok(rejected.status === 'reject' && rejected.penalise && rejected.reason.includes(`${bits - 1} leading zero bits`));
  // Gossip drops it and blames the sender.
  assert.equal(pool.addContribution({ ...base, stamp: short }, encodeContribution({ ...base, stamp: short })), 'reject');
  assert.equal(status(pool.add({ ...base, stamp: exact })), 'accept');
  // The stamp is bound to the payload: junk in an undecodable payload fails on the stamp first,
  // before the pool pays for decoding.
  assert.equal(status(pool.add({ ...make(keys[1]!, TIP, 2), payload: new Uint8Array(50) })), 'reject bad-contrib-stamp');
});

test('full: the least valuable goes (rating, then stamp work), a newcomer worth no more is ignored', () => {
  const ratings = new Map<string, Rating>([
    [toHex(keys[0]!.address), ratedWith(5)],
    [toHex(keys[1]!.address), ratedWith(2)],
    [toHex(keys[2]!.address), ratedWith(9)],
  ]);
  const pool = new ContributionPool(params, TIP, { maxCount: 2, ratings: () => ratings });
  const fresh = make(keys[5]!, TIP, 5);
  assert.equal(status(pool.add(fresh)), 'accept');
  assert.equal(status(pool.add(make(keys[1]!, TIP, 1))), 'accept');
  // Full. A rated contributor evicts the fresh key, the worst held.
  assert.equal(status(pool.add(make(keys[0]!, TIP, 0))), 'accept');
  assert.deepEqual(keySet(pool.contributionsFor(TIP)), keySet([make(keys[0]!, TIP, 0), make(keys[1]!, TIP, 1)]));
  // Another fresh key is worth less than both: ignored, however early or late it comes.
  assert.equal(status(pool.add(make(keys[6]!, TIP, 6))), 'ignore pool-full');
  // The best-rated evicts the worst-rated; the pool offers them best first.
  assert.equal(status(pool.add(make(keys[2]!, TIP, 2))), 'accept');
  assert.deepEqual(
    pool.contributionsFor(TIP).map((c) => toHex(c.contributorPublicKey)),
    [keys[2]!, keys[0]!].map((k) => toHex(k.publicKey)),
  );
  // Among newcomers, more stamp work wins the last place.
  const newcomers = new ContributionPool(params, TIP, { maxCount: 1 });
  const cheap = make(keys[3]!, TIP, 3);
  const unsigned = { chainId: params.chainId, contributorPublicKey: keys[4]!.publicKey, parentHash: TIP, payload: payload(4) };
  const dear = signContribution(unsigned, keys[4]!.secretKey, stampWork(cheap) + 1);
  assert.equal(status(newcomers.add(cheap)), 'accept');
  assert.equal(status(newcomers.add(dear)), 'accept');
  assert.deepEqual(newcomers.contributionsFor(TIP), [dear]);
  assert.equal(status(newcomers.add(cheap)), 'ignore pool-full');
});

test('invalid contributions are rejected with the filter code and penalised', () => {
  const pool = new ContributionPool(params, TIP);
  const good = make(keys[0]!, TIP, 1);
  const cases: [Contribution, string][] = [
    [make(keys[0]!, TIP, 1, { chainId: new Uint8Array(32) }), 'reject bad-contrib-chainid'],
    [make(keys[0]!, TIP, 1, { payload: new Uint8Array(params.gauntlet.maxPayloadBytes + 1) }), 'reject bad-contrib-size'],
    [make(keys[0]!, TIP, 1, { payload: good.payload.subarray(0, 20) }), 'reject bad-contrib-payload'],
    [make(keys[0]!, TIP, 1, { stamp: good.stamp + 1n }), 'reject bad-contrib-stamp'],
    [make(keys[0]!, TIP, 1, { signature: new Uint8Array(64).fill(7) }), 'reject bad-contrib-signature'],
    // Signed by another key: the signature does not verify for this contributor.
    [make(keys[0]!, TIP, 1, { contributorPublicKey: keys[1]!.publicKey }), 'reject bad-contrib-signature'],
  ];
  for (const [contribution, expected] of cases) {
    const result = pool.add(contribution);
    assert.equal(status(result), expected);
    assert.ok(result.status === 'reject' && result.penalise && result.reason.length > 0);
    assert.equal(pool.addContribution(contribution, encodeContribution(contribution)), 'reject');
  }
  assert.equal(status(pool.addBytes(Uint8Array.of(0x93, 1, 2))), 'reject bad-encoding');
  assert.equal(pool.size, 0);
  assert.equal(status(pool.addBytes(encodeContribution(good))), 'accept');
  assert.equal(pool.addContribution(good, encodeContribution(good)), 'ignore');
});

test('contributions for another parent wait; on a tip change the pool empties and takes those built on the new tip', () => {
  const pool = new ContributionPool(params, TIP);
  const now = make(keys[0]!, TIP, 1);
  const early = make(keys[1]!, NEXT, 2);
  const stale = make(keys[2]!, OLD, 3);
  assert.equal(status(pool.add(now)), 'accept');
  assert.equal(status(pool.add(early)), 'ignore not-for-tip');
  assert.equal(status(pool.add(early)), 'ignore duplicate');
  assert.equal(status(pool.add(stale)), 'ignore not-for-tip');
  assert.equal(pool.waiting, 2);
  pool.setTip(NEXT);
  assert.deepEqual(pool.contributionsFor(NEXT), [early]);
  assert.deepEqual(pool.contributionsFor(TIP), []);
  assert.equal(pool.bytes, encodeContribution(early).length);
  // The stale one is never offered for a block.
  pool.setTip(TIP);
  assert.deepEqual(pool.contributionsFor(TIP), []);
  assert.equal(pool.waiting, 1);
  // Waiting room is bounded: the oldest goes first.
  const small = new ContributionPool(params, TIP, { maxWaiting: 2 });
  for (let i = 0; i < 3; i++) small.add(make(keys[i]!, NEXT, i));
  small.setTip(NEXT);
  assert.deepEqual(keySet(small.contributionsFor(NEXT)), [keys[1]!, keys[2]!].map((k) => toHex(k.publicKey)).sort());
  // And by bytes: room for two, so the third pushes out the oldest; one too large never waits.
  const size = encodeContribution(make(keys[0]!, NEXT, 0)).length;
  const byBytes = new ContributionPool(params, TIP, { maxWaitingBytes: 2 * size + 10 });
  for (let i = 0; i < 3; i++) byBytes.add(make(keys[i]!, NEXT, i));
  assert.equal(byBytes.waiting, 2);
  assert.equal(byBytes.waitingBytes, 2 * size);
  const tiny = new ContributionPool(params, TIP, { maxWaitingBytes: size - 1 });
  assert.equal(status(tiny.add(make(keys[0]!, NEXT, 0))), 'ignore not-for-tip');
  assert.equal(tiny.waiting, 0);
  byBytes.setTip(NEXT);
  assert.equal(byBytes.waitingBytes, 0);
  assert.deepEqual(keySet(byBytes.contributionsFor(NEXT)), [keys[1]!, keys[2]!].map((k) => toHex(k.publicKey)).sort());
});

test('bounded by count and bytes: when full, a newcomer worth no more than those held is ignored', () => {
  const ratings = new Map<string, Rating>([0, 1].map((i) => [toHex(keys[i]!.address), ratedWith(3)]));
  const byCount = new ContributionPool(params, TIP, { maxCount: 2, ratings: () => ratings });
  assert.deepEqual(
    [0, 1, 2].map((i) => status(byCount.add(make(keys[i]!, TIP, i)))),
    ['accept', 'accept', 'ignore pool-full'],
  );
  const one = encodeContribution(make(keys[0]!, TIP, 0)).length;
  const byBytes = new ContributionPool(params, TIP, { maxBytes: one + 10, ratings: () => ratings });
  assert.equal(status(byBytes.add(make(keys[0]!, TIP, 0))), 'accept');
  assert.equal(status(byBytes.add(make(keys[3]!, TIP, 1))), 'ignore pool-full');
  assert.equal(byBytes.addContribution(make(keys[2]!, TIP, 2), new Uint8Array(one)), 'ignore');
  // The default bounds follow the genesis.
  const pool = new ContributionPool(params, TIP);
  assert.equal(pool.limits.maxCount, 2 * params.gauntlet.maxContributions);
});

test('follows a chain: each tip event moves the pool', () => {
  const chain = new EventEmitter<{ tip: [{ to: { hash: Uint8Array } }] }>();
  const pool = new ContributionPool(params, TIP);
  const stop = pool.follow(chain);
  pool.add(make(keys[0]!, TIP));
  pool.add(make(keys[1]!, NEXT));
  chain.emit('tip', { to: { hash: NEXT } });
  assert.equal(toHex(pool.tip), toHex(NEXT));
  assert.equal(pool.size, 1);
  stop();
  chain.emit('tip', { to: { hash: TIP } });
  assert.equal(toHex(pool.tip), toHex(NEXT));
});

test('untrusted bytes never throw: every input gets a verdict', () => {
  const pool = new ContributionPool(params, TIP);
  const valid = encodeContribution(make(keys[0]!, TIP, 1));
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (random, at, byte) => {
      const mutated = valid.slice();
      mutated[at % mutated.length] = byte;
      for (const bytes of [random, mutated]) {
        const result = pool.addBytes(bytes);
        assert.ok(['accept', 'ignore', 'reject'].includes(result.status));
      }
    }),
    { numRuns: 200 },
  );
});
