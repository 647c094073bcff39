import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createBacking } from '../../trainer/reference/backing.ts';
import { exp32 } from '../../trainer/reference/exp32.ts';
import { layerNormScalar } from '../../trainer/reference/layernorm.ts';
import { maxOfScalar } from '../../trainer/reference/logits.ts';
import { geluInPlace } from '../../trainer/reference/mlp.ts';
import { expShiftedScalar } from '../../trainer/reference/softmax.ts';
import { xoshiro128StarStar } from '../../trainer/prng.ts';

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (!same(actual[i]!, expected[i]!)) assert.fail(`${what}, element ${i} of ${expected[i]}: kernel ${actual[i]}, scalar ${expected[i]}`);
  }
}

/**
 * float32 arguments at every boundary of exp32 (its range ends, where k changes, k's ends, the
 * subnormal results), from both sides, and the special values.
 */
const EDGES = ((): number[] => {
  const near = (x: number): number[] => {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, x);
    const bits = view.getUint32(0);
    return [-2, -1, 0, 1, 2].map((d) => {
      view.setUint32(0, bits + d);
      return view.getFloat32(0);
    });
  };
  const bounds = [
    88, 87, 2 ** -24, 2 ** -126, 0.5 * Math.LN2, 1.5 * Math.LN2, 2.5 * Math.LN2, 125.5 * Math.LN2, 126.5 * Math.LN2,
    86.5, 87.3365, 88.7228,
  ];
  const values = bounds.flatMap((b) => [...near(b), ...near(-b)]);
  return [...values, 0, -0, Infinity, -Infinity, NaN, 3e38, -3e38, 1e-45, -1e-45, 1e-20, -1e-20, 89, -88, -1e6, 1e6];
})();

test('the WebAssembly exp kernel gives the scalar exp and its sum, bit for bit, at every edge', () => {
  const backing = createBacking(EDGES.length + 2, 1, 'auto');
  assert.equal(backing.kind, 'wasm-simd');
  for (const shift of [0, 0.5, -3, Math.fround(1e-30)]) {
    for (const store of [true, false]) {
      const values = backing.alloc(EDGES.length);
      values.set(EDGES);
      const expected = Float32Array.from(EDGES);
      const want = expShiftedScalar(expected, 0, expected.length, shift, store);
      const got = backing.expShifted(values, 0, values.length, shift, store);
      assert.ok(same(got, want), `sum with shift ${shift}: kernel ${got}, scalar ${want}`);
      assertSameBits(values, store ? expected : Float32Array.from(EDGES), `exp with shift ${shift}`);
    }
  }
  for (const x of EDGES) {
    const one = backing.alloc(1);
    one[0] = x;
    backing.expShifted(one, 0, 1, 0, true);
    assert.ok(same(one[0]!, exp32(Math.fround(x))), `exp32(${x}): kernel ${one[0]}, scalar ${exp32(Math.fround(x))}`);
  }
});

test('the WebAssembly GELU kernel gives mlp.ts, bit for bit, at every edge', () => {
  const backing = createBacking(EDGES.length, 1, 'auto');
  const values = backing.alloc(EDGES.length);
  // GELU's exp argument is −2·c·(x + 0.044715·x³); these x put it on exp's edges and beyond.
  const inputs = EDGES.flatMap((e) => [e, -e / 1.6, Math.cbrt(e) * 3.3]).slice(0, EDGES.length);
  values.set(inputs);
  const expected = Float32Array.from(inputs);
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
      (count, start, scale, shift64) => {
        const shift = Math.fround(shift64);
        const backing = createBacking(2 * (count + start) + 4, 2, 'auto');
        const values = backing.alloc(count + start);
        for (let i = 0; i < values.length; i++) values[i] = (2 * prng.nextFloat() - 1) * scale;
        const before = Float32Array.from(values);
        const expected = Float32Array.from(values);
        const want = expShiftedScalar(expected, start, count, shift, true);
        const got = backing.expShifted(values, start, count, shift, true);
        assert.ok(same(got, want), `sum: kernel ${got}, scalar ${want}`);
        assertSameBits(values, expected, 'exp');
        const hidden = backing.alloc(count + start);
        hidden.set(before);
        const geluExpected = Float32Array.from(before);
        geluInPlace(geluExpected, count);
        backing.gelu(hidden, count);
        assertSameBits(hidden, geluExpected, 'gelu');
      },
    ),
    { numRuns: 400 },
  );
});

test('arrays outside the kernel memory, and the scalar backing, take the scalar code', () => {
  const values = Float32Array.of(0.5, -1, 2);
  const expected = Float32Array.from(values);
  const want = expShiftedScalar(expected, 0, 3, 0.25, true);
  for (const kind of ['auto', 'scalar'] as const) {
    const copy = Float32Array.from(values);
    assert.ok(same(createBacking(8, 1, kind).expShifted(copy, 0, 3, 0.25, true), want));
    assertSameBits(copy, expected, kind);
  }
});

test('the kernels give the scalar bits with each edge value at every place among ordinary ones', () => {
  // The kernels take sixteen values a turn, then eight, four and one at a time: every edge goes
  // through each place of each, next to ordinary values.
  const backing = createBacking(23, 1, 'auto');
  const values = backing.alloc(23);
  for (const edge of EDGES) {
    for (let place = 0; place < 23; place++) {
      const inputs = Array.from({ length: 23 }, (_, i) => (i === place ? edge : 0.37 * i - 1.6));
      for (const count of [23, 22, 20, 16, place + 1]) {
        values.set(inputs);
        const expected = Float32Array.from(inputs);
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

test('the WebAssembly LayerNorm and maximum give the scalar definitions, bit for bit, on any width and values', () => {
  const special = [0, -0, Infinity, -Infinity, NaN, 3e38, -3e38, 1e-45, 1e20, -1e20];
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 70 }),
      fc.array(fc.oneof({ weight: 30, arbitrary: fc.double({ min: -8, max: 8, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(...special) }), {
        minLength: 97,
        maxLength: 97,
      }),
      (rows, d, pool) => {
        const backing = createBacking(2 * rows * d + 2 * d + 16, 4, 'auto');
        const fill = (a: Float32Array, salt: number): Float32Array => {
          for (let i = 0; i < a.length; i++) a[i] = pool[(i * 5 + salt) % pool.length]!;
          return a;
        };
        const x = fill(backing.alloc(rows * d), 1);
        const gain = fill(backing.alloc(d), 2);
        const bias = fill(backing.alloc(d), 3);
        const out = backing.alloc(rows * d);
        const expected = new Float32Array(rows * d);
        layerNormScalar(expected, x, rows, d, gain, bias);
        backing.layerNorm(out, x, rows, d, gain, bias);
        assertSameBits(out, expected, `LayerNorm of ${rows} × ${d}`);
        for (let start = 0; start < 3 && start < x.length; start++) {
          const count = x.length - start;
          const got = backing.maxOf(x, start, count);
          const want = maxOfScalar(x, start, count);
          // The sign of a zero maximum is free (logits.ts); any other value must agree.
          assert.ok(same(got, want) || (got === 0 && want === 0), `max of ${count} from ${start}: kernel ${got}, scalar ${want}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
