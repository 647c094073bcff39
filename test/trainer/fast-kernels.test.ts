import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Buf } from '../../trainer/fast/arena.ts';
import { Arena, ArenaPlan } from '../../trainer/fast/arena.ts';
import { expNonPositive } from '../../trainer/fast/exp.ts';
import { rationalTanh } from '../../trainer/fast/gelu-kernel.ts';
import { instantiateKernels, kernelModule } from '../../trainer/fast/kernels-module.ts';
import { wasmApi } from '../../trainer/reference/wasm-builder.ts';
import { matmul } from '../../trainer/fast/matmul.ts';
import { Causal } from '../../trainer/fast/matmul-kernel.ts';
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

test("the matrix kernel's causal modes agree with the full product where it is read, on the triangles attention has", () => {
  for (const [time, width] of [[8, 16], [12, 8], [20, 16], [13, 9], [64, 16]] as const) {
    const plan = new ArenaPlan();
    const size = time * Math.max(time, width);
    const [ia, ib, iout, ipack] = [plan.reserve(size), plan.reserve(size), plan.reserve(size), plan.reserve(8 * Math.max(time, width))];
    const arena = new Arena(plan);
    const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
    const [a, b, out] = [arena.buf(ia), arena.buf(ib), arena.buf(iout)];
    filled(b.view, 5);
    const check = (causal: Causal, lowerA: boolean | null, rows: number, inner: number, cols: number, read: (r: number, c: number) => boolean): void => {
      filled(a.view, 6);
      if (lowerA !== null) {
        for (let r = 0; r < rows; r++) for (let i = 0; i < inner; i++) if (lowerA ? i > r : i < r) a.view[r * inner + i] = 0;
      }
      out.view.fill(Number.NaN);
      matmul(kernels, arena.f32, { out: out.ptr, outStride: cols, a: a.ptr, aRow: inner, aCol: 1, b: b.ptr, bStride: cols, bias: 0, rows, inner, cols, accumulate: false, causal });
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          if (!read(r, c)) continue;
          let sum = 0;
          for (let i = 0; i < inner; i++) sum += a.view[r * inner + i]! * b.view[i * cols + c]!;
          assert.ok(Math.abs(out.view[r * cols + c]! - sum) < 1e-5 * (1 + Math.abs(sum)), `causal ${causal}, T=${time}: out[${r}][${c}] = ${out.view[r * cols + c]}, want ${sum}`);
        }
      }
    };
    // S = Q·Kᵀ: T × width by width × T, only u ≤ t read.
    check(Causal.OUT_LOWER, null, time, width, time, (r, c) => c <= r);
    // Y = P·V and dQ = dS·K: P zero above the diagonal.
    check(Causal.A_LOWER, true, time, time, width, () => true);
    // dV = Pᵀ·dY and dK = dSᵀ·Q: Pᵀ zero below the diagonal.
    check(Causal.A_UPPER, false, time, time, width, () => true);
  }
});

test("the causal modes count rows from the block's first row", () => {
  const [time, width] = [16, 8];
  const plan = new ArenaPlan();
  const [ia, ib, iout, ipack] = [plan.reserve(time * time), plan.reserve(time * width), plan.reserve(time * width), plan.reserve(8 * Math.max(time, width))];
  const arena = new Arena(plan);
  const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
  const [a, b, out] = [arena.buf(ia), arena.buf(ib), arena.buf(iout)];
  filled(a.view, 7);
  filled(b.view, 8);
  for (let r = 0; r < time; r++) a.view.fill(0, r * time + r + 1, (r + 1) * time);
  // Rows 8 … 15 alone, as matmul.ts passes a block: A_LOWER must sum up to row 8 + r.
  kernels.matmulTiles(out.ptr + 8 * width * 4, width * 4, a.ptr + 8 * time * 4, time * 4, 4, b.ptr, width * 4, 0, 8, time, width, 0, kernels.pack, Causal.A_LOWER, 8);
  for (let r = 8; r < time; r++) {
    for (let c = 0; c < width; c++) {
      let sum = 0;
      for (let i = 0; i < time; i++) sum += a.view[r * time + i]! * b.view[i * width + c]!;
      assert.ok(Math.abs(out.view[r * width + c]! - sum) < 1e-5 * (1 + Math.abs(sum)), `out[${r}][${c}]`);
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

test("the causal softmax gradient kernel computes P ⊙ (dP − Σ P·dP)·scale over u ≤ t, zero after, and reads no dP past the diagonal's vector", () => {
  const time = 12;
  const scale = 0.5;
  const plan = new ArenaPlan();
  const [ip, idp, ipack] = [plan.reserve(time * time), plan.reserve(time * time), plan.reserve(8)];
  const arena = new Arena(plan);
  const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
  const [p, dp] = [arena.buf(ip), arena.buf(idp)];
  filled(p.view, 3);
  filled(dp.view, 4);
  for (let t = 0; t < time; t++) {
    p.view.fill(0, t * time + t + 1, (t + 1) * time);
    // What the product may leave unwritten past the vector holding t.
    dp.view.fill(Number.NaN, t * time + (t & ~3) + 4, (t + 1) * time);
  }
  const dpBefore = Float64Array.from(dp.view);
  kernels.causalSoftmaxBackward(dp.ptr, p.ptr, time, scale);
  for (let t = 0; t < time; t++) {
    let weighted = 0;
    for (let u = 0; u <= t; u++) weighted += p.view[t * time + u]! * dpBefore[t * time + u]!;
    for (let u = 0; u < time; u++) {
      const want = u <= t ? p.view[t * time + u]! * (dpBefore[t * time + u]! - weighted) * scale : 0;
      const got = dp.view[t * time + u]!;
      assert.ok(Math.abs(got - want) < 1e-5 * (1 + Math.abs(want)), `dS[${t}][${u}] = ${got}, want ${want}`);
    }
  }
});

test('the transpose writes or adds inᵀ for whole 4 × 4 blocks and the rest, on strided sub-matrices too', () => {
  for (const [rows, cols, inStride, outStride, accumulate] of [[4, 4, 4, 4, false], [16, 8, 8, 16, false], [37, 13, 20, 40, false], [64, 16, 192, 64, false], [3, 2, 2, 3, false], [37, 13, 20, 40, true], [20, 16, 16, 20, true]] as const) {
    const plan = new ArenaPlan();
    const [iin, iout, ipack] = [plan.reserve(rows * inStride), plan.reserve(cols * outStride), plan.reserve(8)];
    const arena = new Arena(plan);
    const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
    const [input, out] = [arena.buf(iin), arena.buf(iout)];
    filled(input.view, rows);
    out.view.fill(-7);
    transpose(kernels, arena.f32, { out: out.ptr, outStride, in: input.ptr, inStride, rows, cols, accumulate });
    for (let c = 0; c < cols; c++) {
      for (let r = 0; r < outStride; r++) {
        const want = r < rows ? Math.fround((accumulate ? -7 : 0) + input.view[r * inStride + c]!) : -7;
        assert.equal(out.view[c * outStride + r], want, `${rows}×${cols}: out[${c}][${r}]`);
      }
    }
  }
});

test("the cross-entropy kernel leaves each row's softmax times the scale, and the row's max and sum", () => {
  const [rows, length, scale] = [5, 12, 0.2];
  const plan = new ArenaPlan();
  const [ix, istats, ipack] = [plan.reserve(rows * length), plan.reserve(2 * rows), plan.reserve(8)];
  const arena = new Arena(plan);
  const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
  const [x, stats] = [arena.buf(ix), arena.buf(istats)];
  filled(x.view, 9);
  x.view[length + 3] = 60; // one row with a large logit: the max must be subtracted
  const before = Float64Array.from(x.view);
  kernels.crossEntropyRows(x.ptr, rows, length, scale, stats.ptr);
  for (let r = 0; r < rows; r++) {
    const row = before.subarray(r * length, (r + 1) * length);
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    assert.equal(stats.view[2 * r], Math.fround(max), `row ${r}'s max`);
    assert.ok(Math.abs(stats.view[2 * r + 1]! - sum) < 1e-6 * sum, `row ${r}'s sum ${stats.view[2 * r + 1]}, want ${sum}`);
    for (let i = 0; i < length; i++) {
      const want = (Math.exp(row[i]! - max) * scale) / sum;
      assert.ok(Math.abs(x.view[r * length + i]! - want) < 1e-6 * (want + 1e-30) + 1e-12, `x[${r}][${i}] = ${x.view[r * length + i]}, want ${want}`);
    }
  }
});

test('the column-sum kernel adds each column of dy to db, sixteen and four columns at a time', () => {
  for (const [rows, cols] of [[1, 4], [7, 20], [33, 64], [5, 36]] as const) {
    const plan = new ArenaPlan();
    const [idy, idb, ipack] = [plan.reserve(rows * cols), plan.reserve(cols), plan.reserve(8)];
    const arena = new Arena(plan);
    const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
    const [dy, db] = [arena.buf(idy), arena.buf(idb)];
    filled(dy.view, cols);
    db.view.fill(0.5);
    kernels.columnSums(db.ptr, dy.ptr, rows, cols);
    for (let j = 0; j < cols; j++) {
      let want = 0.5;
      for (let r = 0; r < rows; r++) want += dy.view[r * cols + j]!;
      assert.ok(Math.abs(db.view[j]! - want) < 1e-5 * (1 + Math.abs(want)), `${rows}×${cols}: db[${j}] = ${db.view[j]}, want ${want}`);
    }
  }
});

test('the embedding kernels add token and position rows, and add each row of dx back to both tables', () => {
  const [vocab, context, width, rows] = [7, 5, 12, 9];
  const plan = new ArenaPlan();
  const [iwte, iwpe, ix, idwte, idwpe, itok, ipos, ipack] = [
    plan.reserve(vocab * width), plan.reserve(context * width), plan.reserve(rows * width), plan.reserve(vocab * width),
    plan.reserve(context * width), plan.reserve(rows), plan.reserve(rows), plan.reserve(8),
  ];
  const arena = new Arena(plan);
  const kernels = instantiateKernels(arena.memory, arena.buf(ipack));
  const [wte, wpe, x, dwte, dwpe] = [iwte, iwpe, ix, idwte, idwpe].map((i) => arena.buf(i)) as [Buf, Buf, Buf, Buf, Buf];
  const tokens = new Int32Array(arena.memory.buffer, arena.buf(itok).ptr, rows);
  const positions = new Int32Array(arena.memory.buffer, arena.buf(ipos).ptr, rows);
  for (let r = 0; r < rows; r++) {
    tokens[r] = (r * 3) % vocab;
    positions[r] = r % context;
  }
  filled(wte.view, 1);
  filled(wpe.view, 2);
  kernels.embedForward(x.ptr, wte.ptr, wpe.ptr, arena.buf(itok).ptr, arena.buf(ipos).ptr, rows, width);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < width; i++) {
      assert.equal(x.view[r * width + i], Math.fround(wte.view[tokens[r]! * width + i]! + wpe.view[positions[r]! * width + i]!), `x[${r}][${i}]`);
    }
  }
  dwte.view.fill(0.25);
  dwpe.view.fill(0.5);
  kernels.embedBackward(x.ptr, dwte.ptr, dwpe.ptr, arena.buf(itok).ptr, arena.buf(ipos).ptr, rows, width);
  const wantTe = new Float32Array(vocab * width).fill(0.25);
  const wantPe = new Float32Array(context * width).fill(0.5);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < width; i++) {
      wantTe[tokens[r]! * width + i] = wantTe[tokens[r]! * width + i]! + x.view[r * width + i]!;
      wantPe[positions[r]! * width + i] = wantPe[positions[r]! * width + i]! + x.view[r * width + i]!;
    }
  }
  assert.deepEqual(dwte.view, wantTe);
  assert.deepEqual(dwpe.view, wantPe);
});

test('the build for engines without relaxed SIMD validates and uses no relaxed instruction', () => {
  const plain = kernelModule(false).bytes;
  assert.doesNotThrow(() => new wasmApi!.Module(plain));
  const relaxedMadd = [0xfd, 0x85, 0x02]; // f32x4.relaxed_madd, the only relaxed instruction the fused build uses
  const contains = (bytes: Uint8Array, pattern: number[]): boolean => bytes.some((_, i) => pattern.every((b, j) => bytes[i + j] === b));
  assert.ok(contains(kernelModule(true).bytes, relaxedMadd));
  assert.ok(!contains(plain, relaxedMadd));
});
