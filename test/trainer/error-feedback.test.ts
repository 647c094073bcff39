import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { decodePseudoGradient, densify, encodePseudoGradient, maxPayloadBytes } from '../../trainer/codec.ts';
import type { CodecOptions } from '../../trainer/codec.ts';
import { isTrainerError } from '../../trainer/errors.ts';
import { xorshift32 } from '../util/xorshift.ts';

/** A seeded source of standard-normal-ish numbers (xorshift32, sum of four uniforms). */
function gaussians(seed: number): () => number {
  const next = xorshift32(seed);
  const uniform = (): number => next() / 2 ** 32;
  return () => (uniform() + uniform() + uniform() + uniform() - 2) * Math.sqrt(3);
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

function received(payload: Uint8Array, total: number, o: CodecOptions): Float32Array {
  return densify(decodePseudoGradient(payload, { total, ...o, maxBytes: maxPayloadBytes(total, o) }), total);
}

/**
 * The bound stated in error-feedback.ts: with δ = (k/n)(1 − k/254²) and ρ = √(1 − δ), every
 * residual satisfies ‖e_R‖ ≤ ρ/(1 − ρ) · max_r ‖u_r‖; and Σ decoded_r + e_R = Σ u_r up to the
 * float32 rounding of a_r = u_r + e_{r−1}, at most 2⁻²⁴·|a_r,i| per round and entry.
 */
function checkBoundAndBookkeeping(updates: (r: number) => Float32Array, rounds: number, total: number, o: CodecOptions): void {
  const delta = (o.topK / o.chunkSize) * (1 - o.topK / 254 ** 2);
  const rho = Math.sqrt(1 - delta);
  const factor = rho / (1 - rho);
  const ef = new ErrorFeedback(total);
  const sumU = new Float64Array(total);
  const sumDecoded = new Float64Array(total);
  const roundingAllowance = new Float64Array(total);
  let maxUpdate = 0;
  let largestRatio = 0;
  for (let r = 0; r < rounds; r++) {
    const u = updates(r);
    const before = ef.residual;
    for (let i = 0; i < total; i++) roundingAllowance[i]! += 2 ** -24 * Math.abs(Math.fround(u[i]! + before[i]!));
    const decoded = received(ef.compress(u, o), total, o);
    maxUpdate = Math.max(maxUpdate, norm(u));
    for (let i = 0; i < total; i++) {
      sumU[i]! += u[i]!;
      sumDecoded[i]! += decoded[i]!;
    }
    const e = norm(ef.residual);
    largestRatio = Math.max(largestRatio, e / maxUpdate);
    assert.ok(e <= factor * maxUpdate * (1 + 1e-6), `round ${r}: ‖e‖ = ${e} > ${factor.toFixed(2)} · ${maxUpdate}`);
  }
  const e = ef.residual;
  for (let i = 0; i < total; i++) {
    const gap = Math.abs(sumU[i]! - sumDecoded[i]! - e[i]!);
    assert.ok(gap <= roundingAllowance[i]! * 1.000001 + 1e-12, `entry ${i}: Σu − Σdecoded − e = ${gap}`);
  }
  assert.ok(largestRatio > 0.5, 'the test exercises a residual of real size');
}

test('residual stays within ρ/(1 − ρ) · max‖u‖ and Σ decoded = Σ u − e (random updates)', () => {
  const total = 700; // 11 chunks of 64, the last one partial
  const o = { chunkSize: 64, topK: 8 };
  const g = gaussians(7);
  checkBoundAndBookkeeping(() => Float32Array.from({ length: total }, () => g() * 0.01), 150, total, o);
});

test('residual bound holds for the worst case of a constant update', () => {
  // The same direction every round is what makes unsent entries pile up the most.
  const total = 512;
  const o = { chunkSize: 64, topK: 8 };
  const g = gaussians(11);
  const u = Float32Array.from({ length: total }, () => g());
  checkBoundAndBookkeeping(() => u, 120, total, o);
});

test('residual bound at the default codec settings', () => {
  const total = 4096;
  const o = { chunkSize: 1024, topK: 16 };
  const g = gaussians(3);
  checkBoundAndBookkeeping(() => Float32Array.from({ length: total }, () => g()), 200, total, o);
});

/**
 * SGD on a noisy quadratic f(x) = ½ Σ h_i (x_i − x*_i)², h_i ∈ [0.5, 2], with updates sent dense,
 * compressed with error feedback, or compressed without it, at the default codec settings (64×
 * fewer entries). Returns the mean loss over the last quarter of the steps.
 */
function noisyQuadratic(mode: 'dense' | 'error-feedback' | 'plain', steps: number, lr: number): number {
  const d = 4096;
  const o = { chunkSize: 1024, topK: 16 };
  const problem = gaussians(1);
  const h = Float64Array.from({ length: d }, () => 1.25 + 0.75 * Math.max(-1, Math.min(1, problem() / 2)));
  const target = Float64Array.from({ length: d }, () => problem());
  const noise = gaussians(2);
  const x = new Float32Array(d);
  const ef = new ErrorFeedback(d);
  const step = new Float32Array(d);
  let tail = 0;
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < d; i++) step[i] = lr * (h[i]! * (x[i]! - target[i]!) + noise());
    const applied =
      mode === 'dense'
        ? step
        : mode === 'plain'
          ? encodePseudoGradient(step, o).decoded
          : received(ef.compress(step, o), d, o);
    for (let i = 0; i < d; i++) x[i] = x[i]! - applied[i]!;
    if (t >= (3 * steps) / 4) {
      let loss = 0;
      for (let i = 0; i < d; i++) loss += 0.5 * h[i]! * (x[i]! - target[i]!) ** 2;
      tail += loss / d;
    }
  }
  return tail / (steps / 4);
}

test('compressed updates with error feedback reach the dense loss within 5 %', () => {
  // lr · max h · n/k = 0.0025 · 2 · 64 = 0.32. Error feedback delays an entry by about n/k rounds
  // before it is sent, which costs extra loss growing with that product (measured here: +2 % at
  // 0.32, +7 % at 0.64, +16 % at 1.28); far above 1 the delayed updates overshoot and diverge.
  const steps = 2400;
  const lr = 0.0025;
  const dense = noisyQuadratic('dense', steps, lr);
  const withFeedback = noisyQuadratic('error-feedback', steps, lr);
  const without = noisyQuadratic('plain', steps, lr);
  assert.ok(Math.abs(withFeedback - dense) <= 0.05 * dense, `dense ${dense}, error feedback ${withFeedback}`);
  assert.ok(without > 10 * dense, `without error feedback ${without} should lag far behind dense ${dense}`);
});

test('compress checks its input; reset forgets the residual', () => {
  const ef = new ErrorFeedback(4);
  assert.throws(() => ef.compress(new Float32Array(3), { chunkSize: 2, topK: 1 }), (e: unknown) => isTrainerError(e, 'invalid-argument'));
  ef.compress(new Float32Array([1, 0.5, 0, 0]), { chunkSize: 2, topK: 1 });
  assert.deepEqual(Array.from(ef.residual), [0, 0.5, 0, 0]);
  const copy = ef.residual;
  copy[1] = 9;
  assert.equal(ef.residual[1], 0.5, 'residual is handed out as a copy');
  const next = received(ef.compress(new Float32Array([0, 0.25, 0, 0]), { chunkSize: 2, topK: 1 }), 4, { chunkSize: 2, topK: 1 });
  assert.deepEqual(Array.from(next), [0, 0.75, 0, 0]);
  ef.compress(new Float32Array([0, 1, 0, 0.5]), { chunkSize: 4, topK: 1 });
  ef.reset();
  assert.deepEqual(Array.from(ef.residual), [0, 0, 0, 0]);
});

test('with a norm bound the payload decodes within it and the rest stays in the residual, itself held to its bound', () => {
  const total = 4096;
  const o = { chunkSize: 1024, topK: 16 };
  const next = gaussians(11);
  const u = Float32Array.from({ length: total }, () => next());
  const free = norm(received(new ErrorFeedback(total).compress(u, o), total, o));
  assert.ok(free > 10, `an unbounded payload of norm ${free}`);
  // Bound above the payload's norm: the payload is exactly the unbounded one.
  const loose = new ErrorFeedback(total);
  assert.deepEqual(loose.compress(u, o, { maxNorm: free }), new ErrorFeedback(total).compress(u, o));
  // Bound below it: scaled down to at most the bound (to within the retry margin), the rest kept.
  const ef = new ErrorFeedback(total);
  const decoded = received(ef.compress(u, o, { maxNorm: free / 4 }), total, o);
  const sent = norm(decoded);
  assert.ok(sent <= free / 4 && sent >= (free / 4) * (1 - 2 ** -12), `payload norm ${sent}, bound ${free / 4}`);
  const e = ef.residual;
  for (let i = 0; i < total; i++) assert.ok(Math.abs(u[i]! - decoded[i]! - e[i]!) <= 2 ** -20 * Math.abs(u[i]!) + 1e-12, `entry ${i}`);
  // The residual bound scales the residual down to it.
  const held = new ErrorFeedback(total);
  held.compress(u, o, { maxNorm: free / 4, maxResidualNorm: 1 });
  assert.ok(Math.abs(norm(held.residual) - 1) < 1e-6, `residual norm ${norm(held.residual)}`);
  assert.throws(() => held.compress(u, o, { maxNorm: 0 }), (err: unknown) => isTrainerError(err, 'invalid-argument'));
});
