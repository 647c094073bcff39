import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createBacking } from '../../trainer/reference/backing.ts';
import type { Matrix } from '../../trainer/reference/linear.ts';
import { linearScalar, paddedStride } from '../../trainer/reference/linear.ts';
import { sleb128, uleb128 } from '../../trainer/reference/wasm-builder.ts';

test('LEB128 encodings', () => {
  assert.deepEqual(uleb128(0), [0]);
  assert.deepEqual(uleb128(127), [0x7f]);
  assert.deepEqual(uleb128(128), [0x80, 0x01]);
  assert.deepEqual(uleb128(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb128(0), [0]);
  assert.deepEqual(sleb128(-1), [0x7f]);
  assert.deepEqual(sleb128(63), [0x3f]);
  assert.deepEqual(sleb128(64), [0xc0, 0x00]);
  assert.deepEqual(sleb128(-64), [0x40]);
  assert.deepEqual(sleb128(-123456), [0xc0, 0xbb, 0x78]);
});

test('the WebAssembly SIMD kernel is available here', () => {
  assert.equal(createBacking(16, 1, 'auto').kind, 'wasm-simd');
});

const value = fc.oneof(
  { weight: 20, arbitrary: fc.double({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 3e38, -3e38, 1e-45) },
);

test('the kernel gives the scalar definition, bit for bit, on any shape and values', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 11 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 13 }),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 5 }),
      fc.array(value, { minLength: 400, maxLength: 400 }),
      (rows, n, m, accumulate, roomToPad, extraStride, pool) => {
        const capacity = roomToPad ? (rows + 3) & ~3 : rows;
        const stride = m + extraStride;
        const backing = createBacking(capacity * (n + m) + n * stride + m, 4, 'auto');
        const fill = (a: Float32Array, salt: number): Float32Array => {
          for (let i = 0; i < a.length; i++) a[i] = pool[(i * 7 + salt) % pool.length]!;
          return a;
        };
        const x = fill(backing.alloc(capacity * n), 1);
        const w: Matrix = { values: fill(backing.alloc(n * stride), 2), inputs: n, outputs: m, stride };
        const b = fill(backing.alloc(m), 3);
        const out = fill(backing.alloc(capacity * m), 4);
        const expected = Float32Array.from(out);
        linearScalar(expected, x, rows, w, b, accumulate);
        backing.linear(out, x, rows, w, b, accumulate);
        for (let i = 0; i < rows * m; i++) {
          if (!Object.is(out[i], expected[i]) && !(Number.isNaN(out[i]) && Number.isNaN(expected[i]))) {
            assert.fail(`element ${i}: kernel ${out[i]}, definition ${expected[i]}`);
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('arrays outside the kernel memory take the scalar path, with the same result', () => {
  const backing = createBacking(64, 8, 'auto');
  const w: Matrix = { values: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), inputs: 2, outputs: 4, stride: 4 };
  const out = new Float32Array(16);
  backing.linear(out, new Float32Array([1, 10, 0, 0, 0, 0, 0, 0]), 1, w, new Float32Array(4), false);
  assert.deepEqual([...out.subarray(0, 4)], [51, 62, 73, 84]);
});

test('padded strides are an odd number of cache lines, and no shorter than a row', () => {
  for (let m = 1; m <= 600; m++) {
    const s = paddedStride(m);
    assert.ok(s >= m && s < m + 32, `${m} → ${s}`);
    assert.equal((s / 16) % 2, 1, `${m} → ${s}`);
  }
});

test('the definition: bias first, then inputs in order', () => {
  // In float32, 2²⁴ + 1 + 1 = 2²⁴ when summed left to right from the bias, 2²⁴ + 2 in another order.
  const x = new Float32Array([1, 1]);
  const w = new Float32Array([1, 1]);
  for (const backing of [createBacking(64, 8, 'auto'), createBacking(64, 8, 'scalar')]) {
    const out = backing.alloc(4);
    const xs = backing.alloc(8);
    xs.set(x);
    const ws = backing.alloc(2);
    ws.set(w);
    const bias = backing.alloc(1);
    bias[0] = 2 ** 24;
    backing.linear(out, xs, 1, { values: ws, inputs: 2, outputs: 1, stride: 1 }, bias, false);
    assert.equal(out[0], 2 ** 24, backing.kind);
  }
});
