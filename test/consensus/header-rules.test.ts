import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHeader, checkHeaderSanity, expectedBits } from '../../consensus/header-rules.ts';
import { isVerifyError, type VerifyCode } from '../../consensus/errors.ts';
import type { Header } from '../../consensus/types.ts';
import { headerHash } from '../../chain/header.ts';
import { bitsToTarget, targetToBits } from '../../consensus/pow/compact.ts';
import { hashToBigInt } from '../../consensus/pow/target.ts';
import { buildBlock, childParent, genesisParent, solve, testGenesis, testKeys, type BuildParent } from '../util/fixtures.ts';

const g = testGenesis();
const params = g.params;
const miner = testKeys(1)[0]!.address;

/** A parent at height 2 whose recent timestamps are known, and a valid child of it. */
function setup(): { parent: BuildParent; child: Header } {
  let parent = genesisParent(g);
  for (let i = 0; i < 2; i++) parent = childParent(params, parent, buildBlock(params, parent, { miner }));
  const child = buildBlock(params, parent, { miner }).header;
  return { parent, child };
}

function rejects(fn: () => void, code: VerifyCode): void {
  assert.throws(fn, (err: unknown) => isVerifyError(err, code), `expected ${code}`);
}

const NOW = 1_900_000_000;

test('a valid header passes', () => {
  const { parent, child } = setup();
  checkHeader(params, child, headerHash(child), parent, NOW);
});

test('bad-version: version 1 accepted, 2 rejected', () => {
  const { parent, child } = setup();
  const h = solve({ ...child, version: 2 });
  rejects(() => checkHeader(params, h, headerHash(h), parent, NOW), 'bad-version');
});

test('bad-height: parent+1 accepted, parent+2 and 0 rejected', () => {
  const { parent, child } = setup();
  const skip = solve({ ...child, height: child.height + 1 });
  rejects(() => checkHeader(params, skip, headerHash(skip), parent, NOW), 'bad-height');
  const zero = solve({ ...child, height: 0 });
  rejects(() => checkHeaderSanity(params, zero, headerHash(zero)), 'bad-height');
});

test('bad-prevblk: a header on another parent is rejected', () => {
  const { parent, child } = setup();
  const other = solve({ ...child, parentHash: new Uint8Array(32).fill(9) });
  rejects(() => checkHeader(params, other, headerHash(other), parent, NOW), 'bad-prevblk');
});

test('bad-diffbits: bits other than the ASERT value are rejected', () => {
  const { parent, child } = setup();
  const harder = targetToBits(bitsToTarget(child.bits) / 2n);
  const h = solve({ ...child, bits: harder });
  rejects(() => checkHeader(params, h, headerHash(h), parent, NOW), 'bad-diffbits');
});

test('bad-bits: a target above the network limit is rejected even with a matching hash', () => {
  const { child } = setup();
  const tooEasy = targetToBits(params.pow.powLimit * 2n);
  const h = { ...child, bits: tooEasy };
  rejects(() => checkHeaderSanity(params, h, headerHash(h)), 'bad-bits');
});

test('high-hash: a nonce whose hash misses the target is rejected', () => {
  const { parent, child } = setup();
  const target = bitsToTarget(child.bits);
  let h = child;
  for (let n = 0n; ; n++) {
    h = { ...child, nonce: n };
    if (hashToBigInt(headerHash(h)) > target) break;
  }
  rejects(() => checkHeader(params, h, headerHash(h), parent, NOW), 'high-hash');
});

test('time-too-old: median time past + 1 accepted, the median itself rejected', () => {
  const { parent, child } = setup();
  const sorted = [...parent.recentTimestamps].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const atLimit = solve({ ...child, timestamp: median + 1 });
  checkHeader(params, atLimit, headerHash(atLimit), parent, NOW);
  const past = solve({ ...child, timestamp: median });
  rejects(() => checkHeader(params, past, headerHash(past), parent, NOW), 'time-too-old');
});

test('time-too-new: now + maxFuture accepted, one second more rejected with ban score 0', () => {
  const { parent, child } = setup();
  const now = child.timestamp - params.pow.maxFutureSeconds;
  checkHeader(params, child, headerHash(child), parent, now);
  assert.throws(
    () => checkHeader(params, child, headerHash(child), parent, now - 1),
    (err: unknown) => isVerifyError(err, 'time-too-new') && err.score === 0,
  );
});

test('ASERT: block 1 carries the genesis bits; a slow chain gets easier, a fast one harder', () => {
  const hard = testGenesis({ pow: { ...params.pow, genesisBits: 0x1f00ffff } });
  const p = hard.params;
  assert.equal(expectedBits(p, hard.block.header, null), 0x1f00ffff);
  const b1 = { ...hard.block.header, height: 1, timestamp: hard.block.header.timestamp + 5000 };
  // On schedule relative to block 1: unchanged.
  const onTime = { ...b1, height: 2, timestamp: b1.timestamp + 20 };
  assert.equal(expectedBits(p, onTime, b1.timestamp), 0x1f00ffff);
  // One half-life late: the target doubles.
  const late = { ...onTime, timestamp: onTime.timestamp + p.pow.asertHalfLifeSeconds };
  assert.equal(bitsToTarget(expectedBits(p, late, b1.timestamp)), bitsToTarget(0x1f00ffff) * 2n);
  // One half-life early: the target halves.
  const early = { ...onTime, timestamp: onTime.timestamp - p.pow.asertHalfLifeSeconds };
  assert.equal(bitsToTarget(expectedBits(p, early, b1.timestamp)), bitsToTarget(0x1f00ffff) / 2n);
});
