/**
 * The Gauntlet against real contributions: pseudo-gradients from the training engine (AdamW on the
 * contributor's own assigned pages), their negation, noise of the same size, and an honest one
 * blown up ×100 beyond the network's norm bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGauntletBlock, connectBlockState } from '../../consensus/connect.ts';
import { contributorPages } from '../../consensus/gauntlet/assignment.ts';
import { l2Norm, outerStep } from '../../consensus/gauntlet/aggregate.ts';
import { decodeContributionPayload } from '../../consensus/gauntlet/filters.ts';
import type { DecodedGradient } from '../../trainer/codec.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import type { ChainParams } from '../../consensus/params.ts';
import type { ReportEntry } from '../../consensus/types.ts';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { pseudoGradient, trainInner } from '../../trainer/engine/train.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { createPrng } from '../../trainer/prng.ts';
import { trainingBatch } from '../../trainer/windows.ts';
import { testGenesis, testKeys, type TestKey } from '../util/fixtures.ts';
import { brownDataset, canonical, contribute, draftAfter, genesisState, noiseDelta, scaled } from '../util/gauntlet-fixtures.ts';

const g = testGenesis();
const params = g.params;
const keys = testKeys(6);
const dataset = await brownDataset();
const parent = genesisState(g);
await selectBackend('wasm');

/** What an honest contributor sends: θ − θ_end after AdamW steps on its own assigned pages. */
async function honestDelta(key: TestKey): Promise<Float32Array> {
  const settings = { contextLength: params.model.contextLength, gauntlet: params.gauntlet };
  const pages = contributorPages(settings, dataset, g.hash, key.address).map((j) => dataset.trainingPage(j));
  const prng = createPrng(key.address);
  const { params: end } = await trainInner({
    layout: paramLayout(params.model),
    params: g.model,
    batches: () => trainingBatch(pages, params.model.contextLength, 8, () => prng.nextU32()),
    steps: 12,
    lr: 3e-3,
    weightDecay: 0.1,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    gradClip: 1,
  });
  return pseudoGradient(g.model, end);
}

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

const honest = [await honestDelta(keys[0]!), await honestDelta(keys[1]!), await honestDelta(keys[2]!)];

function reportOf(p: ChainParams, deltas: readonly (readonly [TestKey, Float32Array])[]) {
  const contributions = canonical(
    deltas.map(([k, d]) => contribute(p, k, g.hash, d)),
    keys,
  );
  const built = buildGauntletBlock(p, dataset, parent, draftAfter(p, parent, g.block.header, keys[5]!.address, { txs: [], contributions }));
  const state = connectBlockState(p, dataset, parent, built.block);
  const entry = (k: TestKey): ReportEntry => state.report.find((e) => toHexKey(e.contributor) === toHexKey(k.address))!;
  return { state, entry };
}

test('honest training scores > 0 and takes the pool; gradient ascent scores < 0; same-size noise is near 0', () => {
  const noise = noiseDelta(honest[0]!.length, 'honest-noise', norm(honest[0]!) / Math.sqrt(honest[0]!.length));
  const { state, entry } = reportOf(params, [
    [keys[0]!, honest[0]!],
    [keys[1]!, honest[1]!],
    [keys[3]!, noise],
    [keys[4]!, scaled(honest[0]!, -1)],
  ]);
  const honestScores = [keys[0]!, keys[1]!].map((k) => {
    const e = entry(k);
    assert.ok(e.score > 0, `honest score ${e.score}`);
    assert.ok(e.aggregated);
    assert.ok(e.lossOwnAfter < e.lossOwnBefore);
    return e.score;
  });
  const ascent = entry(keys[4]!);
  assert.ok(ascent.score < -honestScores[0]! / 4, `ascent score ${ascent.score}`);
  assert.ok(!ascent.aggregated && ascent.reward === 0n && ascent.weight === 0);
  // Random noise moves the loss by a first-order fluctuation of either sign (measured: about
  // 1/30 to 1/100 of an honest step's gain): it cannot pass for training.
  const noisy = entry(keys[3]!);
  assert.ok(Math.abs(noisy.score) < Math.min(...honestScores) / 5, `noise score ${noisy.score}`);
  // The pool goes to the honest two, all but a sliver (how it is split between them depends on
  // their own-versus-random indicators, which early in training are close calls).
  assert.ok(state.paid > 0n);
  assert.ok((entry(keys[0]!).reward + entry(keys[1]!).reward) * 10n >= state.paid * 9n);
  assert.notDeepEqual(state.modelHash, g.block.header.modelHash);
});

test('a contribution ×100 lies beyond the norm bound: scored below 0, never aggregated; the step is the honest mean', () => {
  const huge = scaled(honest[2]!, 100);
  const { state, entry } = reportOf(params, [
    [keys[0]!, honest[0]!],
    [keys[1]!, honest[1]!],
    [keys[2]!, huge],
  ]);
  const decoded = (k: TestKey, d: Float32Array): DecodedGradient => decodeContributionPayload(params, contribute(params, k, g.hash, d));
  const honestGradients = [decoded(keys[0]!, honest[0]!), decoded(keys[1]!, honest[1]!)];
  const bound = params.gauntlet.maxDeltaNorm;
  assert.ok(honestGradients.every((h) => l2Norm(h) <= bound), `honest norms ${honestGradients.map(l2Norm).join(', ')} within ${bound}`);
  assert.ok(l2Norm(decoded(keys[2]!, huge)) > bound);
  for (const k of [keys[0]!, keys[1]!]) assert.ok(entry(k).aggregated && entry(k).score > 0, 'the honest two are aggregated');
  const blown = entry(keys[2]!);
  assert.ok(!blown.aggregated && blown.score < 0 && blown.reward === 0n, `×100 score ${blown.score}`);
  assert.deepEqual(state.modelHash, modelHash(outerStep(g.model, honestGradients, params.gauntlet.outerStepSize).model));
});
