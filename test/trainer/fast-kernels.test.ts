import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena, ArenaPlan } from '../../trainer/fast/arena.ts';
import { expNonPositive } from '../../trainer/fast/exp.ts';
import { rationalTanh } from '../../trainer/fast/gelu-kernel.ts';
import { instantiateKernels } from '../../trainer/fast/kernels-module.ts';
import { matmul } from '../../trainer/fast/matmul.ts';
import { transpose } from '../../trainer/fast/transpose.ts';

function filled(view: Float32Array, seed: number): void {
  for (let i = 0; i < view.length; i++) view[i] = Math.sin(seed + i * 0.37) * (1 + (i % 5));
}

test('the matrix kernel computes x·W + b, xᵀ·dy and accumulation on shapes on and off its 4 × 8 tiles', () => {
  // 136 × 72: xᵀ·dy walks 136 rows of x 288 B apart, past the L1 cache, so x is transposed first.
  for (const [rows, inner, cols] of [[8, 16, 16], [7, 5, 13], [4, 1, 8], [13, 33, 30], [3, 4, 5], [136, 72, 16], [130, 70, 12]] as const) {
    const plan = new ArenaPlan();
    const ids = [plan.reserve(rows * inner), plan.reserve(inner * cols), plan.reserve(cols), plan.reserve(rows * cols), plan.reserve(inner * cols)];
    const pack = plan.reserve(8 * Math.max(rows, inner));
    const transposed = plan.reserve(rows * inner);
    const arena = new Arena(plan);
    const kernels = instantiateKernels(arena.memory, arena.buf(pack), arena.buf(transposed));
    const [x, w, b, y, dw] = ids.map((i) => arena.buf(i)) as [ReturnType<Arena['buf']>, ReturnType<Arena['buf']>, ReturnType<Arena['buf']>, ReturnType<Arena['buf']>, ReturnType<Arena['buf']>];
    filled(x.view, 1);
    filled(w.view, 2);
    filled(b.view, 3);
    matmul(kernels, arena.f32, { out: y.ptr, outStride: cols, a: x.ptr, aRow: inner, aCol: 1, b: w.ptr, bStride: cols, bias: b.ptr, rows, inner, cols, accumulate: false });
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let sum = b.view[c]!;
        for (let i = 0; i < inner; i++) sum += x.view[r * inner + i]! * w.view[i * cols + c]!;
        assert.ok(Math.abs(y.view[r * cols + c]! - sum) < 1e-5 * (1 + Math.abs(sum)), `${rows}×${inner}×${cols} y[${r}][${c}]`);
      }
    }
    // dW (+)= xᵀ·y, with x read by columns; accumulate onto a known start.
    dw.view.fill(0.5);
    matmul(kernels, arena.f32, { out: dw.ptr, outStride: cols, a: x.ptr, aRow: 1, aCol: inner, b: y.ptr, bStride: cols, bias: 0, rows: inner, inner: rows, cols, accumulate: true });
    for (let i = 0; i < inner; i++) {
      for (let c = 0; c < cols; c++) {
        let sum = 0.5;
        for (let r = 0; r < rows; r++) sum += x.view[r * inner + i]! * y.view[r * cols + c]!;
        assert.ok(Math.abs(dw.view[i * cols + c]! - sum) < 1e-4 * (1 + Math.abs(sum)), `${rows}×${inner}×${cols} dw[${i}][${c}]`);
      }
    }
  }
});

test("GELU's float tanh is within 4e-7 of Math.tanh everywhere, and saturates within a float of ±1", () => {
  let worst = 0;
  for (let u = -12; u <= 12; u += 1 / 1024) worst = Math.max(worst, Math.abs(rationalTanh(u) - Math.tanh(u)));
  assert.ok(worst < 4e-7, `largest error ${worst}`);
  assert.ok(1 - rationalTanh(50) < 1e-7);
  assert.ok(1 + rationalTanh(-50) < 1e-7);
  assert.equal(rationalTanh(0), 0);
});

test('the GELU kernels compute 0.5·x·(1 + tanh(u)) and its derivative', () => {
  const n = 64;
  const plan = new ArenaPlan();
  const ids = [plan.reserve(n), plan.reserve(n), plan.reserve(n), plan.reserve(n), plan.reserve(n)];
  const pack = plan.reserve(8);
  const arena = new Arena(plan);
  const kernels = instantiateKernels(arena.memory, arena.buf(pack));
  const [x, y, , dout, dx] = ids.map((i) => arena.buf(i).view) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < n; i++) {
    x[i] = (i - 32) / 5;
    dout[i] = 1 + i / 64;
  }
  const [px, py, pt, pdout, pdx] = ids.map((i) => arena.buf(i).ptr) as [number, number, number, number, number];
  kernels.geluForward(py, pt, px, n);
  kernels.geluBackward(pdx, px, pt, pdout, n);
  const gelu = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    assert.ok(Math.abs(y[i]! - gelu(v)) < 2e-6 * (1 + Math.abs(v)), `gelu(${v}) = ${y[i]}, want ${gelu(v)}`);
    const numeric = ((gelu(v + 1e-4) - gelu(v - 1e-4)) / 2e-4) * dout[i]!;
    assert.ok(Math.abs(dx[i]! - numeric) < 1e-5 * (1 + Math.abs(numeric)), `gelu'(${v})·dout = ${dx[i]}, want ${numeric}`);
  }
});

test('the exponential kernel matches Math.exp to float32 accuracy, sums what it writes, and leaves the tail to JavaScript', () => {
  const n = 4099; // not a multiple of 4: the last 3 go through exp.ts
  const plan = new ArenaPlan();
  const [ix, isum, ipack] = [plan.reserve(n), plan.reserve(4), plan.reserve(8)];
  const arena = new Arena(plan);
  const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
  const x = arena.buf(ix);
  for (let i = 0; i < n; i++) x.view[i] = 3 - i * 0.025;
  const original = Float32Array.from(x.view);
  kernels.expShifted(x.ptr, n - 3, 3, 0.5, arena.buf(isum).ptr);
  let worst = 0;
  let sum = 0;
  for (let i = 0; i < n - 3; i++) {
    const want = Math.exp((original[i]! - 3) * 0.5);
    sum += x.view[i]!;
    if (want > 1e-37) worst = Math.max(worst, Math.abs(x.view[i]! - want) / want);
  }
  // Measured: 4e-6 at the far end, where the float32 argument itself is rounded by that much.
  assert.ok(worst < 1e-5, `largest relative error ${worst}`);
  assert.ok(Math.abs(arena.buf(isum).view[0]! - sum) < 1e-5 * sum);
  assert.deepEqual(x.view.subarray(n - 3), original.subarray(n - 3), 'the kernel stops at its count');
});

test('expNonPositive is within 1e-8 of Math.exp and underflows to 0', () => {
  let worst = 0;
  for (let x = -100; x <= 0; x += 0.001) worst = Math.max(worst, Math.abs(expNonPositive(x) - Math.exp(x)) / Math.exp(x));
  assert.ok(worst < 1e-8, `largest relative error ${worst}`);
  assert.equal(expNonPositive(0), 1);
  assert.equal(expNonPositive(-1000), 0);
});

test("the causal softmax kernel computes each row's softmax over u ≤ t and zeroes the rest", () => {
  for (const time of [4, 12, 64]) {
    const scale = 0.25;
    const plan = new ArenaPlan();
    const [ip, ipack] = [plan.reserve(time * time), plan.reserve(8)];
    const arena = new Arena(plan);
    const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
    const p = arena.buf(ip);
    filled(p.view, time);
    const scores = Float64Array.from(p.view);
    kernels.causalSoftmax(p.ptr, time, scale);
    for (let t = 0; t < time; t++) {
      const row = scores.subarray(t * time, t * time + t + 1);
      const max = Math.max(...row);
      const sum = row.reduce((s, v) => s + Math.exp((v - max) * scale), 0);
      for (let u = 0; u < time; u++) {
        const want = u <= t ? Math.exp((row[u]! - max) * scale) / sum : 0;
        const got = p.view[t * time + u]!;
        assert.ok(Math.abs(got - want) < 1e-6 * (1 + want), `T=${time} p[${t}][${u}] = ${got}, want ${want}`);
      }
    }
  }
});

test("the softmax gradient kernel computes P ⊙ (dP − Σ P·dP)·scale row by row", () => {
  const rows = 6;
  const length = 12;
  const scale = 0.5;
  const plan = new ArenaPlan();
  const [ip, idp, ipack] = [plan.reserve(rows * length), plan.reserve(rows * length), plan.reserve(8)];
  const arena = new Arena(plan);
  const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
  const [p, dp] = [arena.buf(ip), arena.buf(idp)];
  filled(p.view, 3);
  filled(dp.view, 4);
  const dpBefore = Float64Array.from(dp.view);
  kernels.softmaxBackwardRows(dp.ptr, p.ptr, rows, length, scale);
  for (let r = 0; r < rows; r++) {
    let weighted = 0;
    for (let u = 0; u < length; u++) weighted += p.view[r * length + u]! * dpBefore[r * length + u]!;
    for (let u = 0; u < length; u++) {
      const want = p.view[r * length + u]! * (dpBefore[r * length + u]! - weighted) * scale;
      const got = dp.view[r * length + u]!;
      assert.ok(Math.abs(got - want) < 1e-5 * (1 + Math.abs(want)), `dS[${r}][${u}] = ${got}, want ${want}`);
    }
  }
});

test('the transpose writes inᵀ for whole 4 × 4 blocks and the rest, on strided sub-matrices too', () => {
  for (const [rows, cols, inStride, outStride] of [[4, 4, 4, 4], [16, 8, 8, 16], [37, 13, 20, 40], [64, 16, 192, 64], [3, 2, 2, 3]] as const) {
    const plan = new ArenaPlan();
    const [iin, iout, ipack] = [plan.reserve(rows * inStride), plan.reserve(cols * outStride), plan.reserve(8)];
    const arena = new Arena(plan);
    const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
    const [input, out] = [arena.buf(iin), arena.buf(iout)];
    filled(input.view, rows);
    out.view.fill(-7);
    transpose(kernels, arena.f32, { out: out.ptr, outStride, in: input.ptr, inStride, rows, cols });
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < outStride; r++) {
        const want = r < rows ? input.view[r * inStride + c]! : -7;
        assert.equal(out.view[c * outStride + r], want, `${rows}×${cols}: out[${c}][${r}]`);
      }
    }
  }
});
