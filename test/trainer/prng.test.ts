import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrng, xoshiro128StarStar } from '../../trainer/prng.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const bitsHex = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
};

test('xoshiro128** matches the reference implementation from state {1, 2, 3, 4}', () => {
  const g = xoshiro128StarStar([1, 2, 3, 4]);
  const out = Array.from({ length: 8 }, () => g.nextU32());
  assert.deepEqual(out, [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
});

test('the all-zero state is refused', () => {
  assert.throws(() => xoshiro128StarStar([0, 0, 0, 0]), RangeError);
});

test('golden stream for the seed "gradientcoin-test"', () => {
  const g = createPrng(utf8('gradientcoin-test'));
  assert.deepEqual([g.nextU32(), g.nextU32(), g.nextU32(), g.nextU32()], [2372276587, 3791012329, 1530124309, 365772385]);
  assert.equal(bitsHex(g.nextFloat()), '3fe6f48a5c486ce4');
  assert.deepEqual([g.gaussian(), g.gaussian(), g.gaussian()].map(bitsHex), ['bff4fb9c6a24a378', '3ff01a1270a03b5d', 'bfe7882ad392e036']);
  assert.equal(createPrng(new Uint8Array(0)).nextU32(), 3759493280);
});

test('same seed, same stream; a different seed, another stream', () => {
  const a = createPrng(utf8('seed'));
  const b = createPrng(utf8('seed'));
  const c = createPrng(utf8('seee'));
  const sa = Array.from({ length: 100 }, () => a.gaussian());
  assert.deepEqual(Array.from({ length: 100 }, () => b.gaussian()), sa);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.gaussian()), sa);
});

test('nextFloat is a multiple of 2^-53 in [0, 1)', () => {
  const g = createPrng(utf8('floats'));
  for (let i = 0; i < 10_000; i++) {
    const f = g.nextFloat();
    assert.ok(f >= 0 && f < 1);
    assert.ok(Number.isInteger(f * 2 ** 53));
  }
});

test('gaussian has mean 0, variance 1 and the normal tails', () => {
  const g = createPrng(utf8('moments'));
  const n = 40_000;
  let sum = 0;
  let sq = 0;
  let beyond2 = 0;
  for (let i = 0; i < n; i++) {
    const z = g.gaussian();
    sum += z;
    sq += z * z;
    if (Math.abs(z) > 2) beyond2++;
  }
  assert.ok(Math.abs(sum / n) < 0.02, `mean ${sum / n}`);
  assert.ok(Math.abs(sq / n - 1) < 0.03, `variance ${sq / n}`);
  // P(|Z| > 2) = 0.0455
  assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.005, `tail ${beyond2 / n}`);
});

test('nextU32 bits are balanced', () => {
  const g = createPrng(utf8('bits'));
  const ones = new Array<number>(32).fill(0);
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const u = g.nextU32();
    for (let b = 0; b < 32; b++) ones[b]! += (u >>> b) & 1;
  }
  for (const c of ones) assert.ok(Math.abs(c / n - 0.5) < 0.02);
});
