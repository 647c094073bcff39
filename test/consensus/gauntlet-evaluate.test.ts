import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOSS_CEILING, LOSS_FLOOR, boundedLoss, evaluateContributions, relativeGain, trialParams } from '../../consensus/gauntlet/evaluate.ts';
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

test('trial parameters: fround(θ − η·Δ) on the sparse entries only; θ untouched', () => {
  const g = sparse([[3, 0.5], [1000, -0.25]]);
  const trial = trialParams(theta, g, 0.1);
  assert.equal(trial[3], Math.fround(theta[3]! - 0.1 * 0.5));
  assert.equal(trial[1000], Math.fround(theta[1000]! + 0.1 * 0.25));
  let changed = 0;
  for (let i = 0; i < theta.length; i++) if (trial[i] !== theta[i]) changed++;
  assert.equal(changed, 2);
  assert.notEqual(trial, theta);
});

test('evaluation: the four losses are the reference evaluator\'s; score and indicator follow from them', () => {
  const random = windows(0, 3);
  const own = windows(120, 2);
  const g = sparse([[5, 0.3], [70_000, -0.2], [layout.total - 1, 0.1]]);
  const [e] = evaluateContributions(layout, theta, 1, random, [{ gradient: g, ownWindows: own }], sequentialLossBatch);
  const trial = trialParams(theta, g, 1);
  assert.equal(e!.lossRandBefore, referenceLoss(layout, theta, random));
  assert.equal(e!.lossRandAfter, referenceLoss(layout, trial, random));
  assert.equal(e!.lossOwnBefore, referenceLoss(layout, theta, own));
  assert.equal(e!.lossOwnAfter, referenceLoss(layout, trial, own));
  assert.equal(e!.score, (e!.lossRandBefore - e!.lossRandAfter) / e!.lossRandBefore);
  assert.equal(e!.indicator, (e!.lossOwnBefore - e!.lossOwnAfter) / e!.lossOwnBefore > e!.score ? 1 : -1);
  // An empty gradient changes nothing: score exactly 0, and 0 > 0 fails, so the indicator is −1.
  const [zero] = evaluateContributions(layout, theta, 1, random, [{ gradient: sparse([]), ownWindows: own }], sequentialLossBatch);
  assert.equal(zero!.score, 0);
  assert.equal(zero!.indicator, -1);
  assert.deepEqual(evaluateContributions(layout, theta, 1, random, [], sequentialLossBatch), []);
});

test('a contribution that wrecks the model is reported with finite values: a huge loss, a very negative score', () => {
  const g = sparse([[0, -3e38], [1, 3e38]]);
  const [e] = evaluateContributions(layout, theta, 100, windows(0, 1), [{ gradient: g, ownWindows: windows(50, 1) }], sequentialLossBatch);
  for (const v of [e!.lossOwnAfter, e!.lossRandAfter, e!.score]) assert.ok(Number.isFinite(v), String(v));
  assert.equal(e!.lossRandAfter, LOSS_CEILING);
  assert.equal(e!.score, (e!.lossRandBefore - LOSS_CEILING) / e!.lossRandBefore);
});
