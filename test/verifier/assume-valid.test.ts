/**
 * Assume-valid sync on a real chain of scored contributions: the blocks leading to the accepted
 * hash are connected with their reports' scores (no evaluation), and the chain ends in the same
 * state as one that scored everything; a block above the accepted one, or on a branch off its
 * chain, is scored in full, so a tampered score there is caught.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Chain } from '../../chain/chain.ts';
import { AssumeValid } from '../../chain/assume-valid.ts';
import { headerHash } from '../../chain/header.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { reportRoot } from '../../consensus/ids.ts';
import type { Block } from '../../consensus/types.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { sequentialLossBatch, type LossBatch } from '../../trainer/reference/loss-batch.ts';
import { tempDir } from '../util/block-tree.ts';
import { solve } from '../util/fixtures.ts';
import { contributionChain } from './contribution-chain.ts';

const root = tempDir('assume-valid');
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const { genesis, dataset, blocks } = await contributionChain(4);
const hashes = blocks.map((b) => headerHash(b.header));
const checkpoint = hashes[2]!; // block 3 of 4

/** A chain that counts the blocks it evaluates. */
async function openChain(assumeValid: Uint8Array | null): Promise<{ chain: Chain; evaluated: () => number }> {
  let calls = 0;
  const lossBatch: LossBatch = (layout, jobs) => {
    calls += 1;
    return sequentialLossBatch(layout, jobs);
  };
  const chain = await Chain.open({ location: join(root, String(dirs++)), genesis, dataset, clock: () => 2_000_000_000, lossBatch, assumeValid });
  return { chain, evaluated: () => calls };
}

function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

/** The block with its first entry's score one ulp higher, recommitted and re-mined. */
function tamperedScore(block: Block): Block {
  const report = block.report.map((e, i) => (i === 0 ? { ...e, score: nextUp(e.score) } : e));
  const body = { txs: block.txs, contributions: block.contributions, report };
  return { header: solve({ ...block.header, reportRoot: reportRoot(body) }, 1_000_000n), ...body };
}

function summary(chain: Chain): unknown {
  const tip = chain.tip();
  return { tip: tip.hash, stateRoot: tip.header.stateRoot, modelHash: modelHash(chain.model()), ratings: [...chain.tipState().ratings], accounts: [...chain.tipState().accounts] };
}

const full = await openChain(null);
for (const block of blocks) assert.equal((await full.chain.addBlock(block)).status, 'connected');
after(() => full.chain.close());

test('synced with a checkpoint, the chain ends with the same state root, model hash, ratings and accounts, and scores only above it', async () => {
  assert.equal(full.evaluated(), 4);
  const { chain, evaluated } = await openChain(checkpoint);
  try {
    assert.equal(chain.scoringMode(), 'full', 'the checkpoint is not known yet');
    assert.equal(chain.awaitingAssumeValid(), true);
    chain.noteHeaders(blocks.map((b) => b.header));
    assert.equal(chain.awaitingAssumeValid(), false);
    assert.equal(chain.scoringMode(), 'assume-valid');
    const modes: string[] = [];
    for (const block of blocks) {
      assert.equal((await chain.addBlock(block)).status, 'connected');
      modes.push(chain.scoringMode());
    }
    assert.deepEqual(modes, ['assume-valid', 'assume-valid', 'full', 'full']);
    assert.equal(evaluated(), 1, 'only the block above the checkpoint is evaluated');
    assert.deepEqual(summary(chain), summary(full.chain));
  } finally {
    await chain.close();
  }
});

test('--assume-valid 0 and the genesis as checkpoint score every block', async () => {
  for (const assumeValid of [null, genesis.hash]) {
    const { chain, evaluated } = await openChain(assumeValid);
    try {
      chain.noteHeaders(blocks.map((b) => b.header));
      assert.equal(chain.scoringMode(), 'full');
      for (const block of blocks.slice(0, 2)) await chain.addBlock(block);
      assert.equal(evaluated(), 2);
    } finally {
      await chain.close();
    }
  }
});

test('a tampered score above the checkpoint is caught', async () => {
  const { chain } = await openChain(checkpoint);
  try {
    chain.noteHeaders(blocks.map((b) => b.header));
    for (const block of blocks.slice(0, 3)) await chain.addBlock(block);
    await assert.rejects(chain.addBlock(tamperedScore(blocks[3]!)), (err: unknown) => isVerifyError(err, 'bad-report-score'));
    assert.equal((await chain.addBlock(blocks[3]!)).status, 'connected');
  } finally {
    await chain.close();
  }
});

test('a tampered score on a branch off the checkpoint chain is caught, and the real block is then trusted', async () => {
  const { chain, evaluated } = await openChain(checkpoint);
  try {
    chain.noteHeaders(blocks.map((b) => b.header));
    await chain.addBlock(blocks[0]!);
    assert.equal(evaluated(), 0);
    await assert.rejects(chain.addBlock(tamperedScore(blocks[1]!)), (err: unknown) => isVerifyError(err, 'bad-report-score'));
    assert.equal(evaluated(), 1, 'the side block was scored');
    for (const block of blocks.slice(1)) assert.equal((await chain.addBlock(block)).status, 'connected');
    assert.equal(evaluated(), 2);
    assert.deepEqual(summary(chain), summary(full.chain));
  } finally {
    await chain.close();
  }
});

test('the trusted chain is learned from headers in any order, gaps filled later; restarts relearn it from the stored blocks', async () => {
  const links = new AssumeValid(checkpoint, genesis.hash);
  links.noteHeaders([blocks[2]!.header, blocks[3]!.header]);
  // Block 3's header names its parent: block 2 is covered, block 4 (above) never.
  assert.ok(links.seen && links.covers(checkpoint) && links.covers(hashes[1]!) && !links.covers(hashes[3]!));
  links.noteHeaders([blocks[0]!.header]);
  assert.ok(!links.covers(hashes[0]!), 'block 1 is not linked to block 3 until block 2 is known');
  links.noteHeaders([blocks[1]!.header]);
  assert.ok(links.covers(hashes[0]!) && links.covers(genesis.hash));
  assert.equal(links.modeAfter(hashes[1]!), 'assume-valid');
  assert.equal(links.modeAfter(checkpoint), 'full');

  const location = join(root, String(dirs++));
  const first = await Chain.open({ location, genesis, dataset, clock: () => 2_000_000_000 });
  for (const block of blocks.slice(0, 3)) await first.addBlock(block);
  await first.close();
  const reopened = await Chain.open({ location, genesis, dataset, clock: () => 2_000_000_000, assumeValid: hashes[3]! });
  try {
    assert.equal(reopened.awaitingAssumeValid(), true, 'block 4 is not stored');
    reopened.noteHeaders([blocks[3]!.header]);
    assert.equal(reopened.scoringMode(), 'assume-valid', 'the stored blocks link block 4 to the genesis');
  } finally {
    await reopened.close();
  }
});
