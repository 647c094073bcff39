import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createBacking } from '../../trainer/reference/backing.ts';
import { weightedValuesScalar } from '../../trainer/reference/weighted-values.ts';

const value = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 3e38, -3e38, 1e-45) },
);

test("attention's weighted values: the SIMD kernel gives the scalar definition, bit for bit", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 27 }),
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 7 }),
      fc.array(value, { minLength: 300, maxLength: 300 }),
      (keys, hd, extraStride, vCol, pool) => {
        const stride = hd + vCol + extraStride;
        const backing = createBacking(keys * stride + keys + 2 * (hd + 3), 4, 'auto');
        const fill = (a: Float32Array, salt: number): Float32Array => {
          for (let i = 0; i < a.length; i++) a[i] = pool[(i * 7 + salt) % pool.length]!;
          return a;
        };
        const qkv = fill(backing.alloc(keys * stride), 1);
        const p = fill(backing.alloc(keys), 2);
        const out = fill(backing.alloc(hd + 3), 3);
        const expected = Float32Array.from(out);
        weightedValuesScalar(expected, 3, p, qkv, vCol, keys, hd, stride);
        backing.weightedValues(out, 3, p, qkv, vCol, keys, hd, stride);
        for (let i = 0; i < out.length; i++) {
          const [a, b] = [out[i]!, expected[i]!];
          if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) assert.fail(`element ${i}: kernel ${a}, definition ${b}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
