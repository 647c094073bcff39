import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOSS_CEILING, LOSS_FLOOR, boundedLoss, evaluateContributions, relativeGain } from '../../consensus/gauntlet/evaluate.ts';
import { l2Norm, withinNormBound } from '../../consensus/gauntlet/aggregate.ts';
import { sequentialLossBatch } from '../../trainer/reference/loss-batch.ts';
import { referenceLoss } from '../../trainer/reference/index.ts';
import { initParams } from '../../trainer/init.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';
import type { DecodedGradient } from '../../trainer/codec.ts';

const layout = paramLayout(DEFAULT_MODEL_SPEC);
const theta = initParams(layout, new TextEncoder().encode('evaluate'));
const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog; the dog sleeps on, and the fox runs away into the wood. '.repeat(3));
const windows = (from: number, count: number): Uint8Array[] => Array.from({ length: count }, (_, k) => text.subarray(from + 40 * k, from + 40 * k + 65));

function sparse(entries: readonly (readonly [number, number])[]): DecodedGradient {
  return {
    total: layout.total,
    chunkSize: 1024,
    topK: 16,
    indices: Uint32Array.from(entries.map(([i]) => i)),
    values: Float32Array.from(entries.map(([, v]) => v)),
  };
}

test('bounded losses and relative gains are finite whatever the model does', () => {
  assert.equal(boundedLoss(5.5), 5.5);
  assert.equal(boundedLoss(NaN), LOSS_CEILING);
  assert.equal(boundedLoss(Infinity), LOSS_CEILING);
  assert.equal(boundedLoss(LOSS_CEILING * 2), LOSS_CEILING);
  assert.equal(relativeGain(4, 3), 0.25);
  assert.equal(relativeGain(4, 5), -0.25);
  assert.equal(relativeGain(0, 0), 0);
  assert.equal(relativeGain(0, LOSS_CEILING), -LOSS_CEILING / LOSS_FLOOR);
  assert.ok(Number.isFinite(relativeGain(LOSS_FLOOR / 4, LOSS_CEILING)));
});

/** The model the rule defines: fround(θ − η·(S ± Δ_i)/m) where Δ_i has entries, the aggregate elsewhere. */
function expectedModel(gradients: readonly DecodedGradient[], members: readonly number[], eta: number, shift?: { index: number; sign: 1 | -1 }): Float32Array {
  const sum = new Float64Array(layout.total);
  for (const i of members) gradients[i]!.indices.forEach((k, j) => (sum[k]! += gradients[i]!.values[j]!));
  const m = Math.max(1, members.length);
  const out = members.length === 0 ? theta.slice() : theta.map((t, k) => Math.fround(t - eta * (sum[k]! / m)));
  if (shift) {
    const g = gradients[shift.index]!;
    g.indices.forEach((k, j) => (out[k] = Math.fround(theta[k]! - eta * ((sum[k]! + shift.sign * g.values[j]!) / m))));
  }
  return out;
}

test('a candidate is scored by its share of the aggregate: the losses with and without it, the other shares unchanged', () => {
  const random = windows(0, 3);
  const owns = [windows(120, 2), windows(200, 2), windows(10, 2)];
  const gradients = [sparse([[5, 0.3], [70_000, -0.2], [layout.total - 1, 0.1]]), sparse([[5, -0.1], [6, 0.4]]), sparse([[9, 0.2]])];
  const rule = { evalStepSize: 0.5, maxDeltaNorm: 1 };
  const evaluations = evaluateContributions(layout, theta, rule, random, gradients.map((gradient, i) => ({ gradient, ownWindows: owns[i]! })), sequentialLossBatch);
  const aggregate = expectedModel(gradients, [0, 1, 2], 0.5);
  evaluations.forEach((e, i) => {
    const without = expectedModel(gradients, [0, 1, 2], 0.5, { index: i, sign: -1 });
    assert.equal(e.candidate, true);
    assert.equal(e.lossRandBefore, referenceLoss(layout, without, random));
    assert.equal(e.lossRandAfter, referenceLoss(layout, aggregate, random));
    assert.equal(e.lossOwnBefore, referenceLoss(layout, without, owns[i]!));
    assert.equal(e.lossOwnAfter, referenceLoss(layout, aggregate, owns[i]!));
    assert.equal(e.score, (e.lossRandBefore - e.lossRandAfter) / e.lossRandBefore);
    assert.equal(e.indicator, (e.lossOwnBefore - e.lossOwnAfter) / e.lossOwnBefore > e.score ? 1 : -1);
  });
  // A lone candidate's "without" is θ itself: its score is its own step's gain.
  const [lone] = evaluateContributions(layout, theta, rule, random, [{ gradient: gradients[0]!, ownWindows: owns[0]! }], sequentialLossBatch);
  assert.equal(lone!.lossRandBefore, referenceLoss(layout, theta, random));
  assert.equal(lone!.lossRandAfter, referenceLoss(layout, expectedModel(gradients, [0], 0.5), random));
  // An empty gradient changes nothing: score exactly 0, and 0 > 0 fails, so the indicator is −1.
  const [zero] = evaluateContributions(layout, theta, rule, random, [{ gradient: sparse([]), ownWindows: owns[0]! }], sequentialLossBatch);
  assert.equal(zero!.score, 0);
  assert.equal(zero!.indicator, -1);
  assert.deepEqual(evaluateContributions(layout, theta, rule, random, [], sequentialLossBatch), []);
});

test('the norm bound at its limit and just past it: a Δ of norm exactly the bound is a candidate, one ulp more is not', () => {
  const random = windows(0, 2);
  const own = windows(120, 2);
  const inside = sparse([[7, 0.375]]);
  const bound = l2Norm(inside);
  assert.equal(bound, 0.375);
  assert.equal(withinNormBound(inside, bound), true);
  assert.equal(withinNormBound(inside, nextDown(bound)), false);
  const rule = (maxDeltaNorm: number): { evalStepSize: number; maxDeltaNorm: number } => ({ evalStepSize: 1, maxDeltaNorm });
  const tasks = [inside, sparse([[7, 0.25]])].map((gradient) => ({ gradient, ownWindows: own }));
  const atLimit = evaluateContributions(layout, theta, rule(bound), random, tasks, sequentialLossBatch);
  assert.deepEqual(atLimit.map((e) => e.candidate), [true, true]);
  const past = evaluateContributions(layout, theta, rule(nextDown(bound)), random, tasks, sequentialLossBatch);
  assert.deepEqual(past.map((e) => e.candidate), [false, true]);
  // Past the bound it is judged by what adding its share would do to the candidates' aggregate.
  const gradients = tasks.map((t) => t.gradient);
  assert.equal(past[0]!.lossRandBefore, referenceLoss(layout, expectedModel(gradients, [1], 1), random));
  assert.equal(past[0]!.lossRandAfter, referenceLoss(layout, expectedModel(gradients, [1], 1, { index: 0, sign: 1 }), random));
  const gain = (past[0]!.lossRandBefore - past[0]!.lossRandAfter) / past[0]!.lossRandBefore;
  assert.equal(past[0]!.score, Math.min(0, gain), 'beyond the bound only harm is scored: it can never be paid');
  // With no candidate at all the aggregate is θ and each is tried alone at the full step.
  const none = evaluateContributions(layout, theta, rule(0.1), random, tasks, sequentialLossBatch);
  assert.ok(none.every((e) => !e.candidate && e.lossRandBefore === referenceLoss(layout, theta, random)));
  assert.equal(none[1]!.lossRandAfter, referenceLoss(layout, expectedModel(gradients, [], 1, { index: 1, sign: 1 }), random));
  for (const e of none) assert.ok(e.score <= 0 && e.score === Math.min(0, (e.lossRandBefore - e.lossRandAfter) / e.lossRandBefore));
});

test('a contribution that wrecks the model is reported with finite values: a huge loss, a very negative score', () => {
  const g = sparse([[0, -3e38], [1, 3e38]]);
  const [e] = evaluateContributions(layout, theta, { evalStepSize: 100, maxDeltaNorm: Infinity }, windows(0, 1), [{ gradient: g, ownWindows: windows(50, 1) }], sequentialLossBatch);
  for (const v of [e!.lossOwnAfter, e!.lossRandAfter, e!.score]) assert.ok(Number.isFinite(v), String(v));
  assert.equal(e!.lossRandAfter, LOSS_CEILING);
  assert.equal(e!.score, (e!.lossRandBefore - LOSS_CEILING) / e!.lossRandBefore);
});

function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}
