import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGauntletBlock, connectBlockState, type ConnectedState, type ParentState } from '../../consensus/connect.ts';
import { runGauntlet } from '../../consensus/gauntlet/gauntlet.ts';
import { contributorAddress as contributorAddressOf } from '../../consensus/gauntlet/filters.ts';
import { randomEvalWindows, ownEvalWindows } from '../../consensus/gauntlet/assignment.ts';
import { aggregateParams, shareShifted } from '../../consensus/gauntlet/evaluate.ts';
import { sumGradients } from '../../consensus/gauntlet/aggregate.ts';
import { NETWORK_RECORD_KEY, networkRecordOf } from '../../consensus/gauntlet/network-record.ts';
import { contributorWeights } from '../../consensus/gauntlet/rewards.ts';
import { finalScore, mergeRatings, revertRatings, type Rating } from '../../consensus/gauntlet/state.ts';
import { isVerifyError, type VerifyCode } from '../../consensus/errors.ts';
import { contributionsRoot, reportRoot } from '../../consensus/ids.ts';
import { toHex } from '../../consensus/hash.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { checkBlockBody } from '../../consensus/block-rules.ts';
import { compareBytes, ratingsRoot } from '../../consensus/state-root.ts';
import { mergeAccounts } from '../../consensus/state-transition.ts';
import { splitReward, subsidy } from '../../consensus/subsidy.ts';
import type { Block, ReportEntry } from '../../consensus/types.ts';
import { encodeBlock } from '../../chain/block.ts';
import { decodePseudoGradient } from '../../trainer/codec.ts';
import { referenceLoss } from '../../trainer/reference/index.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { testGenesis, testKeys, transfer } from '../util/fixtures.ts';
import { brownDataset, canonical, contribute, draftAfter, genesisState, honestishDelta, layoutOf, noiseDelta, added, scaled } from '../util/gauntlet-fixtures.ts';

// A bound above the synthetic updates' norms (7 to 30), so that all five are candidates.
const base = testGenesis().params;
const g = testGenesis({ gauntlet: { ...base.gauntlet, maxDeltaNorm: 32 } });
const params = g.params;
const keys = testKeys(6);
const miner = keys[5]!;
const dataset = await brownDataset();
const parent = genesisState(g);
const layout = layoutOf(params);

const honest = (i: number, lr: number): Float32Array => honestishDelta(params, dataset, g.model, g.hash, keys[i]!, lr);
/** Five contributions: two descents, an ascent, noise, and a small descent with noise. */
const contributions = canonical(
  [
    honest(0, 400),
    honest(1, 800),
    scaled(honest(2, 400), -1),
    noiseDelta(layout.total, 'gauntlet-noise', 0.01),
    added(honest(4, 200), noiseDelta(layout.total, 'gauntlet-noise-2', 0.002)),
  ].map((delta, i) => contribute(params, keys[i]!, g.hash, delta)),
  keys,
);
const fee = 5n;
const txs = [transfer(params, keys[0]!, keys[1]!.address, 1000n, fee, 0n)];
const built = buildGauntletBlock(params, dataset, parent, draftAfter(params, parent, g.block.header, miner.address, { txs, contributions }));
const block = built.block;

function rejects(fn: () => void, code: VerifyCode): void {
  assert.throws(fn, (err: unknown) => isVerifyError(err, code), `expected ${code}`);
}

function ratingsRootOf(ratings: ReadonlyMap<string, Rating>): string {
  const entries = [...ratings].map(([k, r]) => [Uint8Array.from(Buffer.from(k, 'hex')), r] as const);
  return toHex(ratingsRoot(entries.sort((a, b) => compareBytes(a[0], b[0]))));
}

function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

/** The block with report entry i changed, its report root recomputed (so only the content lies). */
function withEntry(b: Block, i: number, change: (e: ReportEntry) => ReportEntry): Block {
  const report = b.report.map((e, k) => (k === i ? change(e) : e));
  return { ...b, report, header: { ...b.header, reportRoot: reportRoot({ report }) } };
}

test('a built block passes the stateless rules and connects; the validator recomputes the same state', () => {
  checkBlockBody(params, block, encodeBlock(block).length);
  const state = connectBlockState(params, dataset, parent, block);
  assert.deepEqual(state.report, block.report);
  assert.deepEqual(state.stateRoot, block.header.stateRoot);
  assert.deepEqual(state.modelHash, block.header.modelHash);
  assert.deepEqual(state.modelHash, modelHash(state.model));
  assert.notDeepEqual(state.modelHash, g.block.header.modelHash);
});

test('golden: fixed θ and contributions give this exact report, model, ratings and state', () => {
  assert.equal(toHex(block.header.contributionsRoot), '5e7741f7c95cb4c34bdc09fd41db5b82f9a54eed50fc3c0522128d380334491e');
  assert.equal(toHex(block.header.reportRoot), '1c38c27d0cd9271da2012d7f50210686dc4e8ff716c9e899af5fda91449b574f');
  assert.equal(toHex(block.header.modelHash), 'b92e82d6e956d2cecef0711dead591345155eab9f9329c40b5ae78f39e1927b5');
  assert.equal(ratingsRootOf(built.state.changedRatings), '9a7064714b9e58adcbf04501c7a4c36247346c62498b5b0af719cf863130bf9d');
  assert.equal(toHex(block.header.stateRoot), '124088d4e57b3d74d46b4b056c5acdd95161039e43bf440640d07a6d3552a0cf');
  // Readable facts behind the hashes: descents score > 0 and are aggregated, the ascent is not.
  const byKey = new Map(block.report.map((e) => [toHexKey(e.contributor), e]));
  const entry = (i: number): ReportEntry => byKey.get(toHexKey(keys[i]!.address))!;
  for (const i of [0, 1, 4]) assert.ok(entry(i).score > 0 && entry(i).aggregated, `contributor ${i}`);
  // Who of them is paid depends on the own-versus-random indicator of these synthetic updates (a
  // coin toss: they were not trained on their pages); whoever is paid scored above 0 and passed it.
  const paid = block.report.filter((e) => e.reward > 0n);
  assert.ok(paid.length > 0);
  for (const e of paid) assert.ok(e.score > 0 && e.indicator === 1 && e.weight > 0);
  assert.ok(entry(1).score > entry(0).score, 'twice the step, more gain');
  assert.ok(entry(2).score < 0 && !entry(2).aggregated && entry(2).reward === 0n && entry(2).weight === 0);
});

test('the report holds what the reference evaluator measures on the assigned and random pages', () => {
  const settings = { contextLength: params.model.contextLength, gauntlet: params.gauntlet };
  const random = randomEvalWindows(settings, dataset, g.hash, contributionsRoot(block));
  const gradients = block.contributions.map((c) =>
    decodePseudoGradient(c.payload, {
      total: layout.total,
      chunkSize: params.gauntlet.codecChunkSize,
      topK: params.gauntlet.codecTopK,
      maxBytes: params.gauntlet.maxPayloadBytes,
    }),
  );
  const eta = params.gauntlet.evalStepSize;
  const sum = sumGradients(layout.total, gradients);
  const aggregate = aggregateParams(g.model, sum, gradients.length, eta, false);
  const after = referenceLoss(layout, aggregate, random);
  block.contributions.forEach((_c, i) => {
    const e = block.report[i]!;
    const own = ownEvalWindows(settings, dataset, g.hash, e.contributor);
    const without = shareShifted(g.model, aggregate, sum, gradients.length, eta, gradients[i]!, -1);
    assert.equal(e.lossRandAfter, after);
    assert.equal(e.lossRandBefore, referenceLoss(layout, without, random));
    assert.equal(e.lossOwnBefore, referenceLoss(layout, without, own));
    assert.equal(e.lossOwnAfter, referenceLoss(layout, aggregate, own));
    assert.equal(e.score, (e.lossRandBefore - after) / e.lossRandBefore);
    const ownGain = (e.lossOwnBefore - e.lossOwnAfter) / e.lossOwnBefore;
    assert.equal(e.indicator, ownGain > e.score ? 1 : -1);
  });
});

test('rewards conserve: paid + burned + miner share = subsidy; the miner gets its share and the fees, nothing more', () => {
  const s = built.state;
  const { miner: share, pool } = splitReward(subsidy(1, params.rewards), params.rewards.minerShareBps);
  assert.equal(s.subsidy, subsidy(1, params.rewards));
  assert.equal(s.paid + s.burned + share, s.subsidy);
  assert.equal(s.paid + s.burned, pool);
  assert.equal(s.paid, block.report.reduce((sum, e) => sum + e.reward, 0n));
  assert.equal(s.fees, fee);
  assert.equal(s.minerReward, share + fee);
  const balance = (m: ReadonlyMap<string, { balance: bigint }>, k: string): bigint => m.get(k)?.balance ?? 0n;
  const after = mergeAccounts(g.accounts, s.changedAccounts);
  assert.equal(balance(after, toHexKey(miner.address)) - balance(g.accounts, toHexKey(miner.address)), share + fee);
  const supply = (m: ReadonlyMap<string, { balance: bigint }>): bigint => [...m.values()].reduce((t, a) => t + a.balance, 0n);
  assert.equal(supply(after), supply(g.accounts) + share + s.paid);
  for (const e of block.report) {
    const k = toHexKey(e.contributor);
    const sent = k === toHexKey(keys[0]!.address) ? -(1000n + fee) : k === toHexKey(keys[1]!.address) ? 1000n : 0n;
    assert.equal(balance(after, k) - balance(g.accounts, k), e.reward + sent, `contributor ${k}`);
    assert.equal(s.changedRatings.get(k)!.rewards, e.reward);
  }
});

test('undo data restores the parent: accounts, and ratings the block created are removed', () => {
  const s = built.state;
  const after = mergeAccounts(g.accounts, s.changedAccounts);
  assert.deepEqual(mergeAccounts(after, s.previousAccounts), g.accounts);
  // The contributors' ratings and the network record: all created by this first block.
  assert.equal(s.previousRatings.size, contributions.length + 1);
  assert.ok(s.previousRatings.has(NETWORK_RECORD_KEY));
  for (const r of s.previousRatings.values()) assert.equal(r, null);
  assert.deepEqual(revertRatings(mergeRatings(parent.ratings, s.changedRatings), s.previousRatings), parent.ratings);
});

test('tamper: one ulp in any report float, one base unit of reward, a flipped flag or the roots is rejected with its code', () => {
  const i = block.report.findIndex((e) => e.aggregated);
  const cases: [string, Block, VerifyCode][] = [
    ['lossOwnBefore', withEntry(block, i, (e) => ({ ...e, lossOwnBefore: nextUp(e.lossOwnBefore) })), 'bad-report-loss'],
    ['lossOwnAfter', withEntry(block, i, (e) => ({ ...e, lossOwnAfter: nextUp(e.lossOwnAfter) })), 'bad-report-loss'],
    ['lossRandBefore', withEntry(block, i, (e) => ({ ...e, lossRandBefore: nextUp(e.lossRandBefore) })), 'bad-report-loss'],
    ['lossRandAfter', withEntry(block, i, (e) => ({ ...e, lossRandAfter: nextUp(e.lossRandAfter) })), 'bad-report-loss'],
    ['score', withEntry(block, i, (e) => ({ ...e, score: nextUp(e.score) })), 'bad-report-score'],
    ['weight', withEntry(block, i, (e) => ({ ...e, weight: nextUp(e.weight) })), 'bad-report-weight'],
    ['indicator', withEntry(block, i, (e) => ({ ...e, indicator: -e.indicator })), 'bad-report-indicator'],
    ['reward +1', withEntry(block, i, (e) => ({ ...e, reward: e.reward + 1n })), 'bad-report-reward'],
    ['reward −1', withEntry(block, i, (e) => ({ ...e, reward: e.reward - 1n })), 'bad-report-reward'],
    ['aggregated', withEntry(block, i, (e) => ({ ...e, aggregated: !e.aggregated })), 'bad-report-aggregated'],
    ['contributor', withEntry(block, i, (e) => ({ ...e, contributor: keys[5]!.address })), 'bad-report-contributor'],
  ];
  const flipped = (bytes: Uint8Array): Uint8Array => {
    const out = new Uint8Array(bytes);
    out[31]! ^= 1;
    return out;
  };
  cases.push(['stateRoot', { ...block, header: { ...block.header, stateRoot: flipped(block.header.stateRoot) } }, 'bad-stateroot']);
  cases.push(['modelHash', { ...block, header: { ...block.header, modelHash: flipped(block.header.modelHash) } }, 'bad-modelhash']);
  cases.push(['modelHash of the parent', { ...block, header: { ...block.header, modelHash: g.block.header.modelHash } }, 'bad-modelhash']);
  for (const [what, bad, code] of cases) {
    assert.throws(() => connectBlockState(params, dataset, parent, bad), (err: unknown) => isVerifyError(err, code), what);
  }
  // Without verification the same block connects: the caller asked only for the state.
  const state = connectBlockState(params, dataset, parent, cases[0]![1], { verify: false });
  assert.deepEqual(state.report, block.report);
});

test('the block must build on the given parent, and its report must have one entry per contribution', () => {
  rejects(() => connectBlockState(params, dataset, { ...parent, hash: new Uint8Array(32) }, block), 'bad-prevblk');
  const short = { ...block, report: block.report.slice(1) };
  rejects(() => connectBlockState(params, dataset, parent, short), 'bad-report-count');
});

test('nothing improves the model: the pool is burned, the model and its hash stay, ratings still move', () => {
  const bad = canonical(
    [scaled(honest(0, 400), -1), noiseDelta(layout.total, 'only-noise', 0.1)].map((d, i) => contribute(params, keys[i]!, g.hash, d)),
    keys,
  );
  const b = buildGauntletBlock(params, dataset, parent, draftAfter(params, parent, g.block.header, miner.address, { txs: [], contributions: bad }));
  const s: ConnectedState = connectBlockState(params, dataset, parent, b.block);
  const { miner: share, pool } = splitReward(subsidy(1, params.rewards), params.rewards.minerShareBps);
  assert.ok(s.report.every((e) => e.score <= 0 && e.reward === 0n && e.weight === 0 && !e.aggregated));
  assert.equal(s.paid, 0n);
  assert.equal(s.burned, pool);
  assert.equal(s.minerReward, share);
  assert.equal(s.model, g.model);
  assert.deepEqual(s.modelHash, g.block.header.modelHash);
  assert.equal(s.changedRatings.size, 3, 'two contributors and the network record');
});

test('an empty block: no report, the whole pool burned, the model unchanged', () => {
  const b = buildGauntletBlock(params, dataset, parent, draftAfter(params, parent, g.block.header, miner.address, { txs: [], contributions: [] }));
  const s = connectBlockState(params, dataset, parent, b.block);
  assert.deepEqual(s.report, []);
  assert.equal(s.paid, 0n);
  assert.equal(s.burned, splitReward(subsidy(1, params.rewards), params.rewards.minerShareBps).pool);
  assert.deepEqual(s.modelHash, g.block.header.modelHash);
  // No rating changes, the network record's included: empty blocks cannot wear the normaliser down.
  assert.equal(s.changedRatings.size, 0);
});

test('with rated contributors the pool follows final^p of the paid ones (golden)', () => {
  const seeded: ParentState = {
    ...parent,
    ratings: new Map<string, Rating>([
      [toHexKey(keys[0]!.address), { mu: 34, sigma: 3, binaryMA: 0.6, contributions: 20, rewards: 10n }],
      [toHexKey(keys[1]!.address), { mu: 29, sigma: 4, binaryMA: 0.3, contributions: 5, rewards: 0n }],
      [toHexKey(keys[2]!.address), { mu: 40, sigma: 2, binaryMA: 0.9, contributions: 50, rewards: 99n }],
    ]),
  };
  const b = buildGauntletBlock(params, dataset, seeded, draftAfter(params, seeded, g.block.header, miner.address, { txs: [], contributions }));
  const s = connectBlockState(params, dataset, seeded, b.block);
  const finals = s.report.map((e) => finalScore(s.changedRatings.get(toHexKey(e.contributor))!));
  const expected = contributorWeights(
    params.gauntlet,
    networkRecordOf(seeded.ratings),
    s.report.map((e, i) => {
      const before = seeded.ratings.get(toHexKey(e.contributor));
      return { final: finals[i]!, finalBefore: before ? finalScore(before) : 0, score: e.score, indicator: e.indicator, gamesBefore: before?.contributions ?? 0, copyGroup: -1 };
    }),
  );
  assert.deepEqual(
    s.report.map((e) => e.weight),
    expected.weights,
  );
  // The network record is part of the state: it holds the normaliser the weights were divided by.
  const record = networkRecordOf(s.changedRatings);
  assert.equal(record.normaliser, expected.record.normaliser);
  assert.equal(record.matured, 1);
  assert.equal(record.paid, s.paid);
  assert.ok(finals.some((f, i) => f > 0 && s.report[i]!.score > 0), 'not a cold start');
  // The ascent's contributor has the best rating but scored < 0: it is not paid.
  const ascent = s.report.find((e) => compareBytes(e.contributor, keys[2]!.address) === 0)!;
  assert.equal(ascent.reward, 0n);
  const prev = s.previousRatings.get(toHexKey(keys[2]!.address))!;
  assert.equal(s.changedRatings.get(toHexKey(keys[2]!.address))!.rewards, prev.rewards);
  assert.equal(s.changedRatings.get(toHexKey(keys[0]!.address))!.contributions, 21);
  assert.equal(toHex(b.block.header.reportRoot), '6161c892c7bf31149998bf3b51c591d1cfd78c99bf0f62444b91cd7e0dc01f3b');
  assert.equal(toHex(b.block.header.stateRoot), 'b7df559215d012a94700cb409385e0e6bf14960454c52ed6ed64a16c238ef754');
});

test('aggregation rule: a share within τ of 0 is aggregated for a contributor with a record in the parent state, and only if it gains φ on its own pages', () => {
  // Scores as a report states them (the assume-valid path), so that one share sits where the rule
  // decides: contributor 2 scores −0.001 on the random pages and gains `ownGain` on its own.
  const gradients = contributions.map((c) => decodePseudoGradient(c.payload, { total: layout.total, chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK, maxBytes: params.gauntlet.maxPayloadBytes }));
  const index = contributions.findIndex((c) => compareBytes(contributorAddressOf(c), keys[2]!.address) === 0);
  const record = (binaryMA: number): Map<string, Rating> => new Map([[toHexKey(keys[2]!.address), { mu: 40, sigma: 2, binaryMA, contributions: 50, rewards: 0n }]]);
  const aggregated = (ownGain: number, ratings: Map<string, Rating>, tolerance = 0.005, score = -0.001): boolean => {
    const report = block.report.map((e, i) => (i === index ? { ...e, score, indicator: 1, lossOwnBefore: 2, lossOwnAfter: 2 - 2 * ownGain } : e));
    const result = runGauntlet({
      gauntlet: { ...params.gauntlet, aggregationTolerance: tolerance, minOwnGain: 0.001 },
      layout,
      dataset,
      parentHash: g.hash,
      contributionsRoot: block.header.contributionsRoot,
      model: g.model,
      ratings,
      contributions,
      gradients,
      pool: 1000n,
      trustedReport: report,
    });
    return result.report[index]!.aggregated;
  };
  assert.equal(aggregated(0.01, record(0.9)), true);
  // Without a record (binaryMA 0, or a new address), or without a tolerance: left out.
  assert.equal(aggregated(0.01, record(0)), false);
  assert.equal(aggregated(0.01, new Map()), false);
  assert.equal(aggregated(0.01, record(0.9), 0), false);
  // At −τ itself: left out.
  assert.equal(aggregated(0.01, record(0.9), 0.001), false);
  // An own-pages gain below φ keeps out even a positive score; a new address with a positive score and the gain is in.
  assert.equal(aggregated(0.0009, record(0.9)), false);
  assert.equal(aggregated(0.0009, new Map(), 0.005, 0.01), false);
  assert.equal(aggregated(0.01, new Map(), 0.005, 0.01), true);
});
