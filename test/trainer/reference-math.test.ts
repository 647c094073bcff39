import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exp, expm1, fromWords, log, tanh } from '../../trainer/reference/math.ts';
import { xoshiro128StarStar } from '../../trainer/prng.ts';

const bitsHex = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
};

/** Checks f against the engine's own function, within 1e-15 relative, on n points from gen. */
function agrees(f: (x: number) => number, g: (x: number) => number, gen: (u: number) => number, n = 100_000): void {
  const prng = xoshiro128StarStar([0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x3c6ef372]);
  let worst = 0;
  let worstAt = 0;
  for (let i = 0; i < n; i++) {
    const x = gen(prng.nextFloat());
    const a = f(x);
    const b = g(x);
    if (Object.is(a, b)) continue;
    const rel = Math.abs(a - b) / Math.abs(b);
    if (!(rel <= worst)) {
      worst = rel;
      worstAt = x;
    }
  }
  assert.ok(worst <= 1e-15, `relative error ${worst} at x = ${worstAt}`);
}

test('exp agrees with Math.exp to 1e-15 over its whole range', () => {
  agrees(exp, Math.exp, (u) => (2 * u - 1) * 745);
  agrees(exp, Math.exp, (u) => (2 * u - 1) * 2);
  agrees(exp, Math.exp, (u) => (2 * u - 1) * 1e-9);
  agrees(exp, Math.exp, (u) => -708 - u * 37); // results that are subnormal
});

test('expm1 agrees with Math.expm1 to 1e-15', () => {
  agrees(expm1, Math.expm1, (u) => (2 * u - 1) * 60);
  agrees(expm1, Math.expm1, (u) => (2 * u - 1) * 1e-4);
  agrees(expm1, Math.expm1, (u) => 700 + u * 9);
});

test('log agrees with Math.log to 1e-15, subnormals included', () => {
  agrees(log, Math.log, (u) => 2 ** ((2 * u - 1) * 1020));
  agrees(log, Math.log, (u) => 1 + (2 * u - 1) * 0.05);
  agrees(log, Math.log, (u) => 1 + (2 * u - 1) * 2 ** -22);
  agrees(log, Math.log, (u) => u * 2.2e-308);
});

test('tanh agrees with Math.tanh to 1e-15', () => {
  agrees(tanh, Math.tanh, (u) => (2 * u - 1) * 25);
  agrees(tanh, Math.tanh, (u) => (2 * u - 1) * 1.5);
  agrees(tanh, Math.tanh, (u) => (2 * u - 1) * 1e-6);
});

test('golden bit patterns', () => {
  const cases: [(x: number) => number, number, string][] = [
    [exp, 0.5, '3ffa61298e1e069c'],
    [exp, -1.25, '3fd25618372a584f'],
    [exp, 3, '403415e5bf6fb106'],
    [exp, 100, '48f3494a9b171bf5'],
    [exp, -700, '00d14f2b0fb9307f'],
    [exp, 1e-10, '3ff000000006df38'],
    [log, 0.5, 'bfe62e42fefa39ef'],
    [log, 2, '3fe62e42fefa39ef'],
    [log, 10, '40026bb1bbb55516'],
    [log, 1e-300, 'c085963447f87fb5'],
    [log, 123456.789, '40277281cad8a844'],
    [tanh, 0.5, '3fdd9353d7568af3'],
    [tanh, -0.001, 'bf50624d77516ce2'],
    [tanh, 3, '3fefd77d111a0b00'],
    [tanh, 0.1, '3fb983d7795f413a'],
    [expm1, 0.5, '3fe4c2531c3c0d38'],
    [expm1, -0.001, 'bf50603521cac48c'],
    [expm1, 3, '403315e5bf6fb106'],
    [expm1, 40, '438a220d397972ea'],
  ];
  for (const [f, x, hex] of cases) assert.equal(bitsHex(f(x)), hex, `${f.name}(${x})`);
});

test('edges: infinities, NaN, zeros, overflow and underflow', () => {
  assert.equal(exp(Infinity), Infinity);
  assert.equal(exp(-Infinity), 0);
  assert.ok(Number.isNaN(exp(NaN)));
  assert.equal(exp(0), 1);
  assert.equal(exp(-0), 1);
  assert.equal(exp(709.78), 1.7928227943945155e308);
  assert.equal(exp(709.79), Infinity);
  assert.equal(exp(-745.13), 5e-324);
  assert.equal(exp(-745.14), 0);

  assert.equal(log(0), -Infinity);
  assert.equal(log(-0), -Infinity);
  assert.ok(Number.isNaN(log(-1)));
  assert.ok(Number.isNaN(log(-Infinity)));
  assert.ok(Number.isNaN(log(NaN)));
  assert.equal(log(Infinity), Infinity);
  assert.equal(log(1), 0);
  assert.equal(log(5e-324), -744.4400719213812);

  assert.equal(expm1(Infinity), Infinity);
  assert.equal(expm1(-Infinity), -1);
  assert.ok(Object.is(expm1(-0), -0));
  assert.equal(expm1(1e-300), 1e-300);
  assert.equal(expm1(710), Infinity);

  assert.equal(tanh(Infinity), 1);
  assert.equal(tanh(-Infinity), -1);
  assert.ok(Object.is(tanh(-0), -0));
  assert.ok(Number.isNaN(tanh(NaN)));
  assert.equal(tanh(30), 1);
  assert.equal(tanh(-30), -1);
  assert.equal(tanh(1e-200), 1e-200);
});

test('fromWords builds a double from its high and low words', () => {
  assert.equal(fromWords(0x3ff00000, 0), 1);
  assert.equal(fromWords(0xbff00000, 0), -1);
  assert.equal(fromWords(0x40862e42, 0xfefa39ef), 709.782712893384);
  assert.equal(fromWords(0, 1), 5e-324);
});
