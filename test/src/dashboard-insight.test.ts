/**
 * The model at past heights, rebuilt from the blocks, is the chain's own model bit for bit; its
 * held-out loss falls as honest-looking contributions are aggregated; the contributors' view and
 * the Gauntlet's RPC methods report the chain's ratings. A real Chain on a temporary datadir with
 * blocks that carry contributions (the unigram delta of the Gauntlet tests: it lowers the loss
 * of a fresh model without a training engine, so the file runs in seconds).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../chain/chain.ts';
import type { Genesis } from '../../chain/genesis.ts';
import { encodeContribution } from '../../chain/contribution.ts';
import { encodeAddress } from '../../chain/address.ts';
import type { Block, Contribution } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { modelHashHex } from '../../trainer/model-hash.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { ModelHistory, ModelHistoryError, type ModelChain } from '../../src/dashboard/model-history.ts';
import { ModelInsight, historyHeights } from '../../src/dashboard/model-insight.ts';
import { gauntletMethods, type ContributionSubmitter } from '../../src/rpc/methods/gauntlet.ts';
import { Params } from '../../src/rpc/methods/params.ts';
import type { RpcNode } from '../../src/rpc/methods/context.ts';
import { RpcServerError } from '../../src/rpc/errors.ts';
import { buildBlock, childParent, genesisParent, testGenesis, testKeys, type BuildParent } from '../util/fixtures.ts';
import { brownDataset, canonical, contribute, honestishDelta } from '../util/gauntlet-fixtures.ts';
import { TEST_NOW } from '../util/clock.ts';

const keys = testKeys(4);
const contributors = [keys[1]!, keys[2]!];
/** Block heights that carry contributions; the others aggregate nothing and keep their parent's model. */
const WITH_CONTRIBUTIONS = new Set([1, 2, 4, 5]);
const HEIGHTS = 6;

let dir: string;
let chain: Chain;
let genesis: Genesis;
let dataset: Dataset;
/** The model after each height, as the block builder computed it. */
const expected: Float32Array[] = [];

before(async () => {
  dataset = await brownDataset();
  genesis = testGenesis({ corpus: { source: 'brown', path: null, pageSize: 4096, contentHash: dataset.contentHash } });
  const { params } = genesis;
  dir = await mkdtemp(join(tmpdir(), 'gc-insight-'));
  chain = await Chain.open({ location: join(dir, 'chain'), genesis, dataset, clock: () => TEST_NOW });
  let parent: BuildParent = genesisParent(genesis);
  expected.push(parent.model);
  for (let h = 1; h <= HEIGHTS; h++) {
    const offered: Contribution[] = WITH_CONTRIBUTIONS.has(h)
      ? contributors.map((k, i) => contribute(params, k, parent.hash, honestishDelta(params, dataset, parent.model, parent.hash, k, 0.5 + i)))
      : [];
    const block: Block = buildBlock(params, parent, { miner: keys[0]!.address, contributions: canonical(offered, keys), dataset });
    parent = childParent(params, parent, block, dataset);
    expected.push(parent.model);
    const result = await chain.addBlock(block);
    assert.equal(result.status, 'connected');
  }
});

after(async () => {
  await chain?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the model rebuilt at every height is the chain\'s, bit for bit, in any order of requests', async () => {
  assert.notEqual(modelHashHex(expected[1]!), modelHashHex(expected[0]!), 'block 1 changed the model');
  assert.equal(modelHashHex(expected[3]!), modelHashHex(expected[2]!), 'block 3 aggregated nothing');
  const history = new ModelHistory(chain, { checkpointEvery: 2, maxCheckpoints: 2 });
  for (const h of [3, 0, 6, 1, 5, 2, 4, 3]) {
    const at = await history.modelAt(h);
    assert.equal(at.entry.height, h);
    assert.deepEqual(new Uint32Array(at.model.buffer, at.model.byteOffset, at.model.length), new Uint32Array(expected[h]!.buffer, expected[h]!.byteOffset, expected[h]!.length), `height ${h}`);
    assert.equal(at.modelHash, toHex(chain.getEntryAtHeight(h)!.header.modelHash));
  }
  assert.equal((await history.modelAt(HEIGHTS)).model, chain.model(), "the tip's model is the chain's own array");
  await assert.rejects(history.modelAt(HEIGHTS + 1), (err: unknown) => err instanceof ModelHistoryError && err.code === 'height-out-of-range');
});

test('a block whose aggregation does not give its model hash is reported, not returned', async () => {
  // The real chain, read through a view that drops block 2's aggregated flags.
  const tampered: ModelChain = {
    params: chain.params,
    tip: () => chain.tip(),
    getEntryAtHeight: (h) => chain.getEntryAtHeight(h),
    model: () => chain.model(),
    getBlock: async (hash) => {
      const block = await chain.getBlock(hash);
      if (!block || block.header.height !== 2) return block;
      return { ...block, report: block.report.map((e) => ({ ...e, aggregated: false })) };
    },
  };
  await assert.doesNotReject(new ModelHistory(tampered).modelAt(1));
  await assert.rejects(new ModelHistory(tampered).modelAt(3), (err: unknown) => {
    assert.ok(err instanceof ModelHistoryError);
    assert.equal(err.code, 'model-mismatch');
    assert.match(err.reason, /at height 2 does not give its header's model hash/);
    return true;
  });
});

test('held-out loss: a fresh model is near ln 256, the aggregated updates lower it, the history samples a stable grid', async () => {
  const insight = new ModelInsight(chain);
  // With nothing measured yet, a budget of 2 measures the newest heights first (a height whose
  // model was already measured under another height costs nothing).
  const partial = await insight.lossHistory(HEIGHTS, 48, 2);
  const heights = partial.map((p) => p.height);
  assert.ok(heights.length >= 2 && heights.length < HEIGHTS + 1, `partial history ${heights.join(',')}`);
  assert.deepEqual(heights, Array.from({ length: heights.length }, (_, i) => HEIGHTS + 1 - heights.length + i), 'the newest heights');
  const start = insight.lossOf(await insight.modelAt(0))!;
  assert.ok(Math.abs(start - Math.log(256)) < 0.01, `fresh model loss ${start}`);
  const end = insight.lossOf(await insight.modelAt())!;
  assert.ok(end < start, `loss ${start} → ${end}`);
  const full = await insight.lossHistory(HEIGHTS, 48, 100);
  assert.deepEqual(full.map((p) => p.height), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(full[0]!.loss, start);
  assert.equal(full[6]!.loss, end);
  assert.equal(full[3]!.loss, full[2]!.loss, 'same model, same loss');

  assert.deepEqual(historyHeights(0, 48), [0]);
  assert.deepEqual(historyHeights(10, 48), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(historyHeights(100, 48), [...Array.from({ length: 26 }, (_, i) => i * 4)]);
  const long = historyHeights(1000, 48);
  assert.equal(long.length, 33);
  assert.equal(long[1], 32);
  assert.equal(long[long.length - 1], 1000);
});

test("contributors and the Gauntlet's RPC methods report the chain's own numbers", async () => {
  const insight = new ModelInsight(chain);
  const list = insight.contributors();
  assert.equal(list.length, 2);
  for (const c of list) {
    const key = contributors.find((k) => encodeAddress(chain.params.addressPrefix, k.address) === c.address)!;
    const rating = chain.getRating(key.address)!;
    assert.equal(c.contributions, WITH_CONTRIBUTIONS.size);
    assert.equal(c.rewards, rating.rewards.toString());
    assert.equal(c.mu, rating.mu);
    assert.equal(c.ordinal, rating.mu - 3 * rating.sigma);
  }

  const submitted: Contribution[] = [];
  const pool: ContributionSubmitter = {
    submitContribution: (c) => {
      submitted.push(c);
      return submitted.length === 1 ? { accepted: true } : { accepted: false, reason: 'duplicate' };
    },
  };
  const methods = gauntletMethods({ insight, contributions: pool });
  // The Gauntlet's methods read the insight they were built with, never the node argument.
  const node = null as unknown as RpcNode;
  const call = async (name: string, params: unknown): Promise<unknown> => {
    const m = methods[name]!;
    return m.run(Params.bind(name, m.params, params), node);
  };

  const info = (await call('getmodelinfo', [2, 8])) as Record<string, unknown>;
  assert.equal(info['height'], 2);
  assert.equal(info['modelHash'], modelHashHex(expected[2]!));
  assert.equal(info['parameters'], expected[2]!.length);
  assert.equal(info['heldOutLoss'], insight.lossOf(await insight.modelAt(2)));
  assert.deepEqual((info['lossHistory'] as { height: number }[]).map((p) => p.height), [0, 1, 2]);

  const model = (await call('getmodel', { height: 4 })) as Record<string, unknown>;
  const bytes = Buffer.from(model['params'] as string, 'base64');
  const params = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  assert.equal(modelHashHex(params), model['modelHash']);
  assert.equal(model['modelHash'], modelHashHex(expected[4]!));
  await assert.rejects(call('getmodel', [HEIGHTS + 1]), (err: unknown) => err instanceof RpcServerError && err.code === 'invalid-parameter');

  assert.deepEqual(await call('getcontributors', []), list);

  const c = contribute(chain.params, contributors[0]!, chain.tip().hash, new Float32Array(expected[0]!.length));
  const hex = toHex(encodeContribution(c));
  const first = (await call('submitcontribution', [hex])) as Record<string, unknown>;
  assert.equal(first['accepted'], true);
  assert.equal(first['contributor'], encodeAddress(chain.params.addressPrefix, contributors[0]!.address));
  assert.deepEqual(await call('submitcontribution', [hex]), { accepted: false, reason: 'duplicate', id: first['id'], contributor: first['contributor'] });
  const garbled = (await call('submitcontribution', ['c0'])) as Record<string, unknown>;
  assert.equal(garbled['accepted'], false);
  assert.match(garbled['reason'] as string, /does not decode/);
  assert.equal(submitted.length, 2, 'what does not decode never reaches the pool');
  const noPool = gauntletMethods({ insight, contributions: null })['submitcontribution']!;
  assert.deepEqual(await noPool.run(Params.bind('submitcontribution', noPool.params, [hex]), node), {
    accepted: false, reason: 'this node keeps no contribution pool', id: first['id'], contributor: first['contributor'],
  });
});
