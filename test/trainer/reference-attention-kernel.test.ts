import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { attendRowsScalar } from '../../trainer/reference/attention.ts';
import { createBacking } from '../../trainer/reference/backing.ts';

const value = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 3e38, -3e38, 1e-45, 200, -200) },
);

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

test("attention's rows (scores, softmax, weights, weighted values): the SIMD kernel gives the scalar definition, bit for bit", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 13 }),
      fc.constantFrom(8, 16, 24),
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 7 }),
      fc.constantFrom(Math.fround(0.25), Math.fround(1 / Math.sqrt(24)), 1),
      fc.array(value, { minLength: 300, maxLength: 300 }),
      (rows, hd, extraStride, vCol, scale, pool) => {
        const stride = hd + vCol + extraStride;
        const outStride = hd + 3;
        const scoresLength = (rows + 3) & ~3;
        const backing = createBacking(rows * stride + rows * rows + 4 + scoresLength + rows * outStride, 4, 'auto');
        const fill = (a: Float32Array, salt: number): Float32Array => {
          for (let i = 0; i < a.length; i++) a[i] = pool[(i * 7 + salt) % pool.length]!;
          return a;
        };
        const qkv = fill(backing.alloc(rows * stride), 1);
        const dots = fill(backing.alloc(rows * rows + 4), 2);
        const scores = backing.alloc(scoresLength);
        const out = fill(backing.alloc(rows * outStride), 3);
        const expected = Float32Array.from(out);
        attendRowsScalar(expected, 2, outStride, qkv, vCol, stride, hd, dots, rows, scale, new Float32Array(scoresLength));
        backing.attendRows(out, 2, outStride, qkv, vCol, stride, hd, dots, rows, scale, scores);
        for (let i = 0; i < out.length; i++) {
          if (!same(out[i]!, expected[i]!)) assert.fail(`element ${i}: kernel ${out[i]}, definition ${expected[i]}`);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('head widths that are not a multiple of 8, and arrays outside the kernel memory, take the scalar definition', () => {
  const backing = createBacking(256, 8, 'auto');
  const rows = 3;
  const hd = 5;
  const qkv = backing.alloc(rows * hd);
  const dots = backing.alloc(rows * rows + 4);
  qkv.set(Array.from({ length: rows * hd }, (_, i) => Math.sin(i)));
  dots.set(Array.from({ length: rows * rows }, (_, i) => Math.cos(i)));
  const out = backing.alloc(rows * hd);
  const expected = new Float32Array(rows * hd);
  attendRowsScalar(expected, 0, hd, qkv, 0, hd, hd, dots, rows, 0.5, new Float32Array(4));
  backing.attendRows(out, 0, hd, qkv, 0, hd, hd, dots, rows, 0.5, backing.alloc(4));
  assert.deepEqual(out, expected);
  const outside = new Float32Array(rows * hd);
  backing.attendRows(outside, 0, hd, Float32Array.from(qkv), 0, hd, hd, Float32Array.from(dots), rows, 0.5, new Float32Array(4));
  assert.deepEqual(outside, expected);
});
