import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkContributionList, checkContributions, selectContributions } from '../../consensus/gauntlet/filters.ts';
import { isVerifyError, type VerifyCode } from '../../consensus/errors.ts';
import type { Contribution, ReportEntry } from '../../consensus/types.ts';
import { signContribution } from '../../chain/contribution.ts';
import { addressHash } from '../../consensus/address.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { findStamp, leadingZeroBits, stampWork } from '../../consensus/gauntlet/stamp.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { testGenesis, testKeys, type TestKey } from '../util/fixtures.ts';
import { canonical, contribute } from '../util/gauntlet-fixtures.ts';

const g = testGenesis();
const params = g.params;
const keys = testKeys(6);
const total = paramLayout(params.model).total;

function rejects(fn: () => void, code: VerifyCode): void {
  assert.throws(fn, (err: unknown) => isVerifyError(err, code), `expected ${code}`);
}

/** A small valid delta: a few entries of its own for each contributor. */
function smallDelta(seed: number): Float32Array {
  const d = new Float32Array(total);
  for (let k = 0; k < 5; k++) d[(seed * 7919 + k * 104_729) % total] = (k + 1) * 1e-3 * (seed % 2 === 0 ? 1 : -1);
  return d;
}

function contributionsOf(n: number, parentHash = g.hash): Contribution[] {
  return canonical(
    keys.slice(0, n).map((k, i) => contribute(params, k, parentHash, smallDelta(i + 1))),
    keys,
  );
}

function entries(n: number): ReportEntry[] {
  return Array.from({ length: n }, () => ({
    contributor: new Uint8Array(20),
    lossOwnBefore: 1,
    lossOwnAfter: 1,
    lossRandBefore: 1,
    lossRandAfter: 1,
    score: 0,
    indicator: -1,
    weight: 0,
    reward: 0n,
    aggregated: false,
  }));
}

function blockOf(contributions: readonly Contribution[], reportLength = contributions.length) {
  return { header: { ...g.block.header, height: 1, parentHash: g.hash }, contributions, report: entries(reportLength) };
}

function resign(c: Contribution, key: TestKey, changes: Partial<Omit<Contribution, 'signature' | 'stamp'>>): Contribution {
  const { signature: _signature, stamp: _stamp, ...unsigned } = c;
  return signContribution({ ...unsigned, ...changes }, key.secretKey, params.gauntlet.stampBits);
}

function keyOf(c: Contribution): TestKey {
  return keys.find((k) => k.publicKey.every((b, i) => b === c.contributorPublicKey[i]))!;
}

test('valid contributions in canonical order pass and decode in order', () => {
  const cs = contributionsOf(4);
  const gradients = checkContributions(params, blockOf(cs));
  assert.equal(gradients.length, 4);
  for (const gr of gradients) {
    assert.equal(gr.total, total);
    assert.equal(gr.indices.length, 5);
  }
});

test('bad-contribs-count: maxContributions accepted, one more rejected', () => {
  const p = { ...params, gauntlet: { ...params.gauntlet, maxContributions: 3 } };
  checkContributions(p, blockOf(contributionsOf(3)));
  rejects(() => checkContributions(p, blockOf(contributionsOf(4))), 'bad-contribs-count');
  rejects(() => checkContributionList(p, g.hash, contributionsOf(4)), 'bad-contribs-count');
});

test('bad-report-count: one entry per contribution, one fewer or one more rejected', () => {
  const cs = contributionsOf(3);
  checkContributions(params, blockOf(cs, 3));
  rejects(() => checkContributions(params, blockOf(cs, 2)), 'bad-report-count');
  rejects(() => checkContributions(params, blockOf(cs, 4)), 'bad-report-count');
  rejects(() => checkContributions(params, blockOf([], 1)), 'bad-report-count');
});

test('bad-contribs-order and bad-contribs-duplicate: addresses must strictly increase', () => {
  const cs = contributionsOf(3);
  rejects(() => checkContributions(params, blockOf([cs[1]!, cs[0]!, cs[2]!])), 'bad-contribs-order');
  rejects(() => checkContributions(params, blockOf([cs[0]!, cs[2]!, cs[1]!])), 'bad-contribs-order');
  // The same contributor twice, even with a different payload.
  const again = contribute(params, keyOf(cs[1]!), g.hash, smallDelta(40));
  rejects(() => checkContributions(params, blockOf([cs[0]!, cs[1]!, again])), 'bad-contribs-duplicate');
  rejects(() => checkContributions(params, blockOf([cs[0]!, cs[1]!, cs[1]!])), 'bad-contribs-duplicate');
});

test('bad-contrib-chainid: a contribution signed for another network is rejected', () => {
  const [c] = contributionsOf(1);
  const other = resign(c!, keyOf(c!), { chainId: new Uint8Array(32).fill(9) });
  rejects(() => checkContributions(params, blockOf([other])), 'bad-contrib-chainid');
});

test('bad-contrib-parent: a contribution built on another parent is rejected', () => {
  const [c] = contributionsOf(1);
  const stale = resign(c!, keyOf(c!), { parentHash: new Uint8Array(32).fill(1) });
  rejects(() => checkContributions(params, blockOf([stale])), 'bad-contrib-parent');
  rejects(() => checkContributionList(params, new Uint8Array(32), [c!]), 'bad-contrib-parent');
});

test('bad-contrib-signature: a flipped signature bit, or a payload changed after signing, is rejected', () => {
  const [c] = contributionsOf(1);
  const sig = new Uint8Array(c!.signature);
  sig[5]! ^= 1;
  rejects(() => checkContributions(params, blockOf([{ ...c!, signature: sig }])), 'bad-contrib-signature');
  const { payload } = encodePseudoGradient(smallDelta(77), { chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK });
  // Restamped for the new payload (a stamp is bound to it), so that the signature is what fails.
  const restamped = { ...c!, payload, stamp: findStamp(params.gauntlet.stampBits, { ...c!, payload }) };
  rejects(() => checkContributions(params, blockOf([restamped])), 'bad-contrib-signature');
  // Another key's valid signature over the same content.
  const foreign = signContribution({ ...c!, contributorPublicKey: c!.contributorPublicKey }, keys[5]!.secretKey, params.gauntlet.stampBits);
  rejects(() => checkContributions(params, blockOf([foreign])), 'bad-contrib-signature');
});

test('bad-contrib-size: a payload of exactly maxPayloadBytes accepted, one byte more rejected', () => {
  const [c] = contributionsOf(1);
  const size = c!.payload.length;
  const exact = { ...params, gauntlet: { ...params.gauntlet, maxPayloadBytes: size } };
  checkContributions(exact, blockOf([c!]));
  const under = { ...params, gauntlet: { ...params.gauntlet, maxPayloadBytes: size - 1 } };
  rejects(() => checkContributions(under, blockOf([c!])), 'bad-contrib-size');
});

test('bad-contrib-payload: another parameter count, chunk size or top-k, or broken bytes, are rejected with the codec code', () => {
  const key = keys[0]!;
  const sign = (payload: Uint8Array): Contribution =>
    signContribution({ chainId: params.chainId, contributorPublicKey: key.publicKey, parentHash: g.hash, payload }, key.secretKey, params.gauntlet.stampBits);
  const { codecChunkSize: chunkSize, codecTopK: topK } = params.gauntlet;
  const cases: [Uint8Array, string][] = [
    [encodePseudoGradient(new Float32Array(total + 1).fill(1e-3), { chunkSize, topK }).payload, 'payload-total'],
    [encodePseudoGradient(smallDelta(1), { chunkSize: chunkSize / 2, topK }).payload, 'payload-chunk-size'],
    [encodePseudoGradient(smallDelta(1), { chunkSize, topK: topK + 1 }).payload, 'payload-top-k'],
    [new Uint8Array(5), 'payload-truncated'],
  ];
  const valid = encodePseudoGradient(smallDelta(1), { chunkSize, topK }).payload;
  const trailing = new Uint8Array(valid.length + 1);
  trailing.set(valid);
  cases.push([trailing, 'payload-trailing']);
  for (const [payload, codecCode] of cases) {
    assert.throws(
      () => checkContributions(params, blockOf([sign(payload)])),
      (err: unknown) => isVerifyError(err, 'bad-contrib-payload') && err.reason.includes(codecCode),
      codecCode,
    );
  }
});

test('cheap rules run first: a block with a bad signature and a bad parent reports the parent', () => {
  const cs = contributionsOf(2);
  const sig = new Uint8Array(cs[0]!.signature);
  sig[0]! ^= 1;
  const stale = resign(cs[1]!, keyOf(cs[1]!), { parentHash: new Uint8Array(32).fill(3) });
  rejects(() => checkContributions(params, blockOf([{ ...cs[0]!, signature: sig }, stale])), 'bad-contrib-parent');
});

test('untrusted payload bytes never crash the filters: only VerifyError, or a decoded gradient', () => {
  const key = keys[0]!;
  const valid = contributionsOf(1)[0]!.payload;
  const payloads = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
      const p = new Uint8Array(valid);
      p[at]! ^= x;
      return p;
    }),
    fc.nat(valid.length).map((n) => valid.slice(0, n)),
  );
  fc.assert(
    fc.property(payloads, (payload) => {
      const c = signContribution({ chainId: params.chainId, contributorPublicKey: key.publicKey, parentHash: g.hash, payload }, key.secretKey, params.gauntlet.stampBits);
      try {
        const [gradient] = checkContributions(params, blockOf([c]));
        assert.equal(gradient!.total, total);
      } catch (err) {
        assert.ok(isVerifyError(err, 'bad-contrib-payload') || isVerifyError(err, 'bad-contrib-size'), String(err));
      }
    }),
    { numRuns: 150 },
  );
});

test('selectContributions: drops what fails a filter and repeats, caps the count, returns canonical order', () => {
  const cs = contributionsOf(5);
  const stale = contribute(params, keys[5]!, new Uint8Array(32).fill(2), smallDelta(9));
  const twice = contribute(params, keyOf(cs[0]!), g.hash, smallDelta(33));
  const reversed = [...cs].reverse();
  const pick = selectContributions(params, g.hash, [stale, ...reversed, twice]);
  assert.deepEqual(pick.accepted, cs);
  assert.deepEqual(
    pick.rejected.map((r) => r.error.code),
    ['bad-contrib-parent', 'bad-contribs-duplicate'],
  );
  checkContributionList(params, g.hash, pick.accepted);
  // Over the cap, the most valuable stay whatever the order offered: here the two rated ones.
  const two = { ...params, gauntlet: { ...params.gauntlet, maxContributions: 2 } };
  const rated = new Map<string, Rating>(
    [cs[1]!, cs[3]!].map((c) => [toHexKey(addressHash(c.contributorPublicKey)), { mu: 30, sigma: 2, binaryMA: 0.5, contributions: 9, rewards: 0n }]),
  );
  const capped = selectContributions(two, g.hash, reversed, rated);
  assert.deepEqual(capped.accepted, [cs[1]!, cs[3]!]);
  assert.equal(capped.crowdedOut.length, 3);
  assert.deepEqual(selectContributions(two, g.hash, cs, rated).accepted, capped.accepted);
});

test('bad-contrib-stamp: one bit short of stampBits is rejected before the payload is decoded; exactly stampBits passes', () => {
  const [c] = contributionsOf(1);
  const bits = params.gauntlet.stampBits;
  let short = 0n;
  while (stampWork({ ...c!, stamp: short }) !== bits - 1) short++;
  let exact = 0n;
  while (stampWork({ ...c!, stamp: exact }) !== bits) exact++;
  rejects(() => checkContributions(params, blockOf([{ ...c!, stamp: short }])), 'bad-contrib-stamp');
  checkContributionList(params, g.hash, [{ ...c!, stamp: exact }]);
  // Bound to the payload: a garbage payload under the same stamp fails on the stamp, not on decoding.
  rejects(() => checkContributions(params, blockOf([{ ...c!, payload: new Uint8Array(40) }])), 'bad-contrib-stamp');
  // And to the contributor and the parent.
  assert.ok(stampWork({ ...c!, contributorPublicKey: keys[1]!.publicKey }) < bits || stampWork({ ...c!, parentHash: new Uint8Array(32) }) < bits);
  assert.equal(leadingZeroBits(Uint8Array.of(0, 0x10)), 11);
  assert.equal(leadingZeroBits(new Uint8Array(4)), 32);
});
