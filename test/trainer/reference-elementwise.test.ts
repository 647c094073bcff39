import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createBacking } from '../../trainer/reference/backing.ts';
import { exp } from '../../trainer/reference/math.ts';
import { geluInPlace } from '../../trainer/reference/mlp.ts';
import { expShiftedScalar } from '../../trainer/reference/softmax.ts';
import { xoshiro128StarStar } from '../../trainer/prng.ts';

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

function assertSameBits(actual: Float64Array, expected: Float64Array, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (!same(actual[i]!, expected[i]!)) assert.fail(`${what}, element ${i} of ${expected[i]}: kernel ${actual[i]}, scalar ${expected[i]}`);
  }
}

/** Arguments at every boundary of exp's paths (math.ts), from both sides, and the special values. */
const EDGES = ((): number[] => {
  const near = (x: number): number[] => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const bits = view.getBigUint64(0);
    return [-2n, -1n, 0n, 1n, 2n].map((d) => {
      view.setBigUint64(0, bits + d);
      return view.getFloat64(0);
    });
  };
  const bounds = [
    2 ** -28, 0.34657359027997264, 0.3465735912322998, 1.0397207708399179, 1.0397207498550415, 709.782712893384, 745.1332191019411,
    707, 709, 708.3964185322641, 708.39641853226408, 709.0895657128241, 709.08956571282405, 707.7032713517042, 1 / 1.4426950408889634 * 1021.5,
    ...Array.from({ length: 9 }, (_, i) => (1019.5 + i) * Math.LN2),
  ];
  const values = bounds.flatMap((b) => [...near(b), ...near(-b)]);
  return [...values, 0, -0, Infinity, -Infinity, NaN, 1e300, -1e300, 5e-324, -5e-324, 2.2e-308, -2.2e-308, 1e-20, -1e-20, 710, -746, -1e6, 1e6];
})();

test('the WebAssembly exp kernel gives the scalar exp and its sum, bit for bit, at every edge', () => {
  const backing = createBacking(EDGES.length + 2, 1, 'auto');
  assert.equal(backing.kind, 'wasm-simd');
  for (const shift of [0, 0.5, -3, 1e-300]) {
    for (const store of [true, false]) {
      const values = backing.alloc(EDGES.length);
      values.set(EDGES);
      const expected = Float64Array.from(EDGES);
      const want = expShiftedScalar(expected, 0, expected.length, shift, store);
      const got = backing.expShifted(values, 0, values.length, shift, store);
      assert.ok(same(got, want), `sum with shift ${shift}: kernel ${got}, scalar ${want}`);
      assertSameBits(values, store ? expected : Float64Array.from(EDGES), `exp with shift ${shift}`);
    }
  }
  for (const x of EDGES) {
    const one = backing.alloc(1);
    one[0] = x;
    backing.expShifted(one, 0, 1, 0, true);
    assert.ok(same(one[0]!, exp(x)), `exp(${x}): kernel ${one[0]}, scalar ${exp(x)}`);
  }
});

test('the WebAssembly GELU kernel gives mlp.ts, bit for bit, at every edge', () => {
  const backing = createBacking(EDGES.length, 1, 'auto');
  const values = backing.alloc(EDGES.length);
  // GELU's exp argument is −2·c·(x + 0.044715·x³); these x put it on exp's edges and beyond.
  const inputs = EDGES.flatMap((e) => [e, -e / 1.6, Math.cbrt(e) * 3.3]).slice(0, EDGES.length);
  values.set(inputs);
  const expected = Float64Array.from(inputs);
  geluInPlace(expected, expected.length);
  backing.gelu(values, values.length);
  assertSameBits(values, expected, 'gelu');
});

test('the WebAssembly exp and GELU kernels give the scalar bits on random arrays of any length and offset', () => {
  const prng = xoshiro128StarStar([0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321]);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 70 }),
      fc.integer({ min: 0, max: 3 }),
      fc.constantFrom(1e-12, 0.3, 1, 3, 30, 800),
      fc.double({ min: -5, max: 5, noNaN: true }),
      (count, start, scale, shift) => {
        const backing = createBacking(2 * (count + start) + 4, 2, 'auto');
        const values = backing.alloc(count + start);
        for (let i = 0; i < values.length; i++) values[i] = (2 * prng.nextFloat() - 1) * scale;
        const before = Float64Array.from(values);
        const expected = Float64Array.from(values);
        const want = expShiftedScalar(expected, start, count, shift, true);
        const got = backing.expShifted(values, start, count, shift, true);
        assert.ok(same(got, want), `sum: kernel ${got}, scalar ${want}`);
        assertSameBits(values, expected, 'exp');
        const hidden = backing.alloc(count + start);
        hidden.set(before);
        const geluExpected = Float64Array.from(before);
        geluInPlace(geluExpected, count);
        backing.gelu(hidden, count);
        assertSameBits(hidden, geluExpected, 'gelu');
      },
    ),
    { numRuns: 400 },
  );
});

test('arrays outside the kernel memory, and the scalar backing, take the scalar code', () => {
  const values = Float64Array.of(0.5, -1, 2);
  const expected = Float64Array.from(values);
  const want = expShiftedScalar(expected, 0, 3, 0.25, true);
  for (const kind of ['auto', 'scalar'] as const) {
    const copy = Float64Array.from(values);
    assert.ok(same(createBacking(8, 1, kind).expShifted(copy, 0, 3, 0.25, true), want));
    assertSameBits(copy, expected, kind);
  }
});

test('the kernels give the scalar bits with each edge value at every place among ordinary ones', () => {
  // The kernels take eight values at a time and branch on whether all eight are ordinary, then
  // four, two and one: every edge goes through each place of each, next to ordinary values.
  const backing = createBacking(15, 1, 'auto');
  const values = backing.alloc(15);
  for (const edge of EDGES) {
    for (let place = 0; place < 15; place++) {
      const inputs = Array.from({ length: 15 }, (_, i) => (i === place ? edge : 0.37 * i - 1.6));
      for (const count of [15, 14, 12, place + 1]) {
        values.set(inputs);
        const expected = Float64Array.from(inputs);
        const want = expShiftedScalar(expected, 0, count, 0.125, true);
        const got = backing.expShifted(values, 0, count, 0.125, true);
        assert.ok(same(got, want), `sum with ${edge} at ${place} of ${count}: kernel ${got}, scalar ${want}`);
        assertSameBits(values, expected, `exp with ${edge} at ${place} of ${count}`);
        values.set(inputs);
        expected.set(inputs);
        geluInPlace(expected, count);
        backing.gelu(values, count);
        assertSameBits(values, expected, `gelu with ${edge} at ${place} of ${count}`);
      }
    }
  }
});
