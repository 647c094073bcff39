/**
 * The miner's Gauntlet templates: the collection window (contributions that arrive during it are
 * in the block; an abort ends it; a rebuild on the same tip does not wait again), templates built
 * on the worker thread equal those built here, and the thread's errors come back typed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Chain } from '../../chain/chain.ts';
import { encodeBlock } from '../../chain/block.ts';
import { DatasetError } from '../../chain/dataset.ts';
import { toHex } from '../../consensus/hash.ts';
import { contribute } from '../../src/contributor/honest.ts';
import { ContributionPool } from '../../src/gauntlet/contribution-pool.ts';
import { datasetSource } from '../../src/gauntlet/dataset.ts';
import { GauntletTemplateSource, transferRoom } from '../../src/miner/gauntlet-template.ts';
import { buildTemplate } from '../../src/miner/template.ts';
import { TemplateWorker } from '../../src/miner/template-worker.ts';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { BlockTree, openTestChain, tempDir } from '../util/block-tree.ts';
import { TEST_NOW } from '../util/clock.ts';
import { solve, testKeys } from '../util/fixtures.ts';
import { brownNetworkDataset, gauntletGenesis, QUICK_TRAINING } from '../util/gauntlet-network.ts';

const root = tempDir('template');
const g = gauntletGenesis();
const dataset = await brownNetworkDataset(g);
await selectBackend('wasm');
const tree = new BlockTree(g, dataset);
const keys = testKeys(12).slice(8);
const miner = tree.keys[7]!.address;
let chain: Chain;
const worker = new TemplateWorker(datasetSource(g.params));

before(async () => {
  chain = await openTestChain(tree, join(root, 'chain'));
});
after(async () => {
  await chain.close();
  await worker.close();
  rmSync(root, { recursive: true, force: true });
});

function contribution(i: number) {
  return contribute({
    params: g.params,
    dataset,
    parentHash: chain.tip().hash,
    model: chain.model(),
    keyPair: keys[i]!,
    errorFeedback: new ErrorFeedback(g.model.length),
    ...QUICK_TRAINING,
  });
}

const never = (): AbortSignal => new AbortController().signal;

test('contributions that arrive during the collection window are in the block', async () => {
  const pool = new ContributionPool(g.params, chain.tip().hash);
  const early = await contribution(0);
  const late = await contribution(1);
  pool.add(early);
  const source = new GauntletTemplateSource({ pool, collectionWindowMs: 300 });
  const pending = source.template({ chain, miner, now: TEST_NOW, signal: never() });
  // Arrives after the request, within the window.
  setTimeout(() => pool.add(late), 50);
  const block = await pending;
  assert.ok(block);
  assert.equal(block.contributions.length, 2);
  assert.equal(block.report.length, 2);
  assert.equal((await chain.addBlock({ ...block, header: solve(block.header) })).status, 'connected');
});

test('an abort ends the wait with no template; a rebuild on the same tip does not wait again', async () => {
  let clock = 1_000_000;
  const pool = new ContributionPool(g.params, chain.tip().hash);
  pool.add(await contribution(2));
  // A window far longer than the test: only the clock (or an abort) can end it.
  const source = new GauntletTemplateSource({ pool, collectionWindowMs: 1e9, clockMs: () => clock });
  const controller = new AbortController();
  const pending = source.template({ chain, miner, now: TEST_NOW, signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  assert.equal(await pending, null);
  clock += 1e9;
  const block = await source.template({ chain, miner, now: TEST_NOW, signal: never() });
  assert.equal(block?.contributions.length, 1);
  // A tip seen long ago (noteTip) needs no wait either.
  const other = new GauntletTemplateSource({ pool, collectionWindowMs: 1e9, clockMs: () => clock });
  other.noteTip(chain.tip().hash);
  clock += 1e9;
  assert.ok(await other.template({ chain, miner, now: TEST_NOW, signal: never() }));
});

test('the worker thread builds the very block this thread builds, and its errors come back typed', async () => {
  const offered = [await contribution(0), await contribution(3)];
  const parent = chain.tipState();
  const options = { miner, now: TEST_NOW, contributions: offered };
  const here = buildTemplate(g.params, parent, { ...options, dataset });
  const there = await worker.build(g.params, parent, options);
  assert.equal(toHex(encodeBlock(there.block)), toHex(encodeBlock(here.block)));
  assert.equal(there.contributionsLeftOut, 0);
  const viaSource = await new GauntletTemplateSource({ pool: { contributionsFor: () => offered }, worker, collectionWindowMs: 0 }).template({
    chain,
    miner,
    now: TEST_NOW,
    signal: never(),
  });
  assert.equal(toHex(encodeBlock(viaSource!)), toHex(encodeBlock(here.block)));

  // A thread pointed at other text refuses to score on it.
  const folder = join(root, 'other-corpus');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'a.txt'), 'Some other text, which is not the network corpus. '.repeat(2000));
  const wrong = new TemplateWorker({ source: 'folder', folder, pageSize: 4096 });
  try {
    await assert.rejects(wrong.build(g.params, parent, options), (err) => err instanceof DatasetError && err.code === 'wrong-corpus');
  } finally {
    await wrong.close();
  }
});

test('without a pool there is no wait and no contribution; transfers get the room contributions leave', async () => {
  const source = new GauntletTemplateSource({ collectionWindowMs: 1e9 });
  const block = await source.template({ chain, miner, now: TEST_NOW, signal: never() });
  assert.equal(block?.contributions.length, 0);
  const room = transferRoom(g.params);
  assert.ok(room > 0 && room <= g.params.limits.maxTransfers);
  const full = 4 * 1024 * 1024 - 1024 - 16 * (65536 + 256 + 128);
  assert.equal(room, Math.min(g.params.limits.maxTransfers, Math.floor(full / 256)));
});
