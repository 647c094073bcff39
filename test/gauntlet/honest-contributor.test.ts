/**
 * The honest contributor following a chain: one contribution per tip, built on that tip's model
 * and accepted by the pool; work overtaken by a new tip is dropped before it is compressed, so the
 * error feedback only ever absorbs what was sent.
 */
import { after, test } from 'node:test';
import { EventEmitter } from 'node:events';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Contribution } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { checkContributionList } from '../../consensus/gauntlet/filters.ts';
import { HonestContributor, contribute } from '../../src/contributor/honest.ts';
import { ContributionPool } from '../../src/gauntlet/contribution-pool.ts';
import { buildTemplate } from '../../src/miner/template.ts';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';
import { TEST_NOW } from '../util/clock.ts';
import { solve, testKeys } from '../util/fixtures.ts';
import { brownNetworkDataset, gauntletGenesis, QUICK_TRAINING } from '../util/gauntlet-network.ts';

const root = tempDir('contributor');
after(() => rmSync(root, { recursive: true, force: true }));
const g = gauntletGenesis();
const dataset = await brownNetworkDataset(g);
await selectBackend('wasm');
const key = testKeys(9)[8]!;

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 6000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

test('contribute(): a signed contribution for the parent that passes every filter, reproducible', async () => {
  const opts = { params: g.params, dataset, parentHash: g.hash, model: g.model, keyPair: key, ...QUICK_TRAINING };
  const a = await contribute({ ...opts, errorFeedback: new ErrorFeedback(g.model.length) });
  const b = await contribute({ ...opts, errorFeedback: new ErrorFeedback(g.model.length) });
  assert.equal(toHex(a.parentHash), toHex(g.hash));
  assert.equal(checkContributionList(g.params, g.hash, [a]).length, 1);
  assert.equal(toHex(a.payload), toHex(b.payload), 'same inputs, same payload');
  // The error feedback keeps what was not sent, so the next round's payload differs.
  const ef = new ErrorFeedback(g.model.length);
  const first = await contribute({ ...opts, errorFeedback: ef });
  assert.ok(ef.residual.some((v) => v !== 0));
  const second = await contribute({ ...opts, errorFeedback: ef });
  assert.notEqual(toHex(first.payload), toHex(second.payload));
});

test('follows the tip: one contribution per tip into the pool, each built on that tip', async () => {
  const tree = new BlockTree(g, dataset);
  const chain = await openTestChain(tree, join(root, 'chain'));
  const pool = new ContributionPool(g.params, chain.tip().hash);
  pool.follow(chain);
  const sent: Contribution[] = [];
  const errors: unknown[] = [];
  const contributor = new HonestContributor({
    chain,
    dataset,
    keyPair: key,
    ...QUICK_TRAINING,
    submit: (c) => {
      sent.push(c);
      return pool.add(c);
    },
    onError: (err) => errors.push(err),
  });
  try {
    contributor.start();
    await until(() => contributor.submitted === 1, 'the first contribution');
    assert.ok(contributor.tokensPerSecond > 0, 'the training speed is known for the log line');
    assert.equal(toHex(sent[0]!.parentHash), toHex(g.hash));
    assert.equal(pool.size, 1);
    // The miner includes it; the next tip gets the next contribution.
    for (let height = 1; height <= 2; height++) {
      const template = buildTemplate(g.params, chain.tipState(), {
        miner: tree.keys[7]!.address,
        now: TEST_NOW,
        contributions: pool.contributionsFor(chain.tip().hash),
        dataset,
      });
      assert.equal(template.block.contributions.length, 1);
      const block = { ...template.block, header: solve(template.block.header) };
      await chain.addBlock(block);
      await until(() => contributor.submitted === height + 1, `contribution ${height + 1}`);
      assert.equal(toHex(sent[height]!.parentHash), toHex(hashOf(block)));
      assert.equal(pool.size, 1);
    }
    assert.deepEqual(errors, []);
    assert.equal(contributor.dropped, 0);
  } finally {
    await contributor.stop();
    await chain.close();
  }
  assert.equal(contributor.submitted, 3);
});

test('work overtaken by a new tip is dropped, not sent', async () => {
  // A chain whose tip moves just after the contributor reads the model it will train from.
  const events = new EventEmitter<{ tip: [] }>();
  const next = new Uint8Array(32).fill(0x5a);
  let tip = g.hash;
  let reads = 0;
  const chain = {
    params: g.params,
    tip: () => ({ hash: tip }),
    model: () => {
      if (reads++ === 0) {
        queueMicrotask(() => {
          tip = next;
          events.emit('tip');
        });
      }
      return g.model;
    },
    on: (event: 'tip', listener: () => void) => events.on(event, listener),
    off: (event: 'tip', listener: () => void) => events.off(event, listener),
  };
  const sent: Contribution[] = [];
  const contributor = new HonestContributor({ chain, dataset, keyPair: key, ...QUICK_TRAINING, submit: (c) => sent.push(c) });
  contributor.start();
  await until(() => contributor.submitted === 1, 'a contribution for the new tip');
  await contributor.stop();
  assert.equal(contributor.dropped, 1);
  assert.equal(sent.length, 1);
  assert.equal(toHex(sent[0]!.parentHash), toHex(next));
});

test('while not ready (a node still syncing) no tip is trained on; once ready, the current tip is, without waiting for a new one', async () => {
  const events = new EventEmitter<{ tip: [] }>();
  let tip = g.hash;
  let modelReads = 0;
  let synced = false;
  let asked = 0;
  const chain = {
    params: g.params,
    tip: () => ({ hash: tip }),
    model: () => {
      modelReads++;
      return g.model;
    },
    on: (event: 'tip', listener: () => void) => events.on(event, listener),
    off: (event: 'tip', listener: () => void) => events.off(event, listener),
  };
  const sent: Contribution[] = [];
  const ready = (): boolean => {
    asked++;
    return synced;
  };
  const contributor = new HonestContributor({ chain, dataset, keyPair: key, ...QUICK_TRAINING, submit: (c) => sent.push(c), ready, readyPollMs: 20 });
  modelReads = 0; // the constructor reads the model's size
  contributor.start();
  try {
    // Old tips pass by during the sync: none is trained on.
    for (let i = 1; i <= 5; i++) {
      tip = new Uint8Array(32).fill(i);
      events.emit('tip');
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.ok(asked >= 5, `ready was asked ${asked} times`);
    assert.equal(modelReads, 0, 'no training while syncing');
    synced = true;
    await until(() => contributor.submitted === 1, 'a contribution once synced');
  } finally {
    await contributor.stop();
  }
  assert.equal(sent.length, 1);
  assert.equal(toHex(sent[0]!.parentHash), toHex(tip), 'for the synced tip');
});
