/**
 * What the chain makes a peer pay before it stores, validates or remembers what the peer sent:
 * the work bound on side branches and orphans, bodies checked against their header before anything
 * is cached under its hash, capped invalid markers, and a failed reorganisation that falls back to
 * the best valid chain.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Block, Header, ReportEntry } from '../../consensus/types.ts';
import { isVerifyError, VerifyError } from '../../consensus/errors.ts';
import { toHex } from '../../consensus/hash.ts';
import { contributionsRoot, reportRoot, txRoot } from '../../consensus/ids.ts';
import { expectedBits } from '../../consensus/header-rules.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { hashToBigInt } from '../../consensus/pow/target.ts';
import { HEADER_VERSION } from '../../consensus/params.ts';
import { headerHash } from '../../chain/header.ts';
import { DatasetError } from '../../chain/dataset.ts';
import { LOW_WORK_SCORE } from '../../chain/cost-policy.ts';
import type { Chain } from '../../chain/chain.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';
import { EASY_BITS, solve, testGenesis, testGenesisParams } from '../util/fixtures.ts';
import { contribute } from '../util/gauntlet-fixtures.ts';

const root = tempDir('costs');
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, String(dirs++));

async function addAll(chain: Chain, blocks: readonly Block[], requested = false): Promise<string[]> {
  const statuses: string[] = [];
  for (const block of blocks) statuses.push((await chain.addBlock(block, { requested })).status);
  return statuses;
}

function lowWork(err: unknown): boolean {
  return isVerifyError(err, 'low-work') && err.score === LOW_WORK_SCORE && err.score < 100 && !err.markInvalid;
}

test('a low-work side branch from height 0 is not stored, not marked, and costs its sender score', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir(), { costPolicy: { forkWindowBlocks: 4 } });
  const main = tree.branch(tree.genesis.hash, 10, { txs: [] });
  await addAll(chain, main);
  const [s1, s2] = tree.branch(tree.genesis.hash, 2, { txs: [] });
  await assert.rejects(chain.addBlock(s1!), lowWork);
  assert.equal(chain.getEntry(hashOf(s1!)), undefined);
  assert.equal(await chain.getBlockBytes(hashOf(s1!)), undefined);
  assert.equal(chain.getInvalid(hashOf(s1!)), undefined);
  // Its child arrives as an orphan: ten blocks from the tip is outside the window too.
  await assert.rejects(chain.addBlock(s2!), lowWork);
  assert.equal(chain.orphanCount(), 0);
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(main[9]!)));
  await chain.close();
});

test('a branch within the bound is stored and wins when it overtakes', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir(), { costPolicy: { forkWindowBlocks: 4 } });
  const main = tree.branch(tree.genesis.hash, 10, { txs: [] });
  await addAll(chain, main);
  // Forked at height 7: its first block trails the tip by two blocks' worth.
  const side = tree.branch(hashOf(main[6]!), 4, { txs: [] });
  assert.deepEqual(await addAll(chain, side), ['side', 'side', 'side', 'reorganized']);
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(side[3]!)));
  assert.ok(chain.getEntry(hashOf(side[0]!)));
  await chain.close();
});

test('blocks asked for behind a heavier header chain skip the bound: a branch from height 0 syncs', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir(), { costPolicy: { forkWindowBlocks: 2 } });
  await addAll(chain, tree.branch(tree.genesis.hash, 6, { txs: [] }));
  const heavier = tree.branch(tree.genesis.hash, 7, { txs: [] });
  const statuses = await addAll(chain, heavier, true);
  assert.deepEqual(statuses, ['side', 'side', 'side', 'side', 'side', 'side', 'reorganized']);
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(heavier[6]!)));
  await chain.close();
});

test('an orphan far ahead of the tip, or with a target far easier than the tip, is not held', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir(), { costPolicy: { forkWindowBlocks: 3 } });
  const blocks = tree.branch(tree.genesis.hash, 8, { txs: [] });
  await assert.rejects(chain.addBlock(blocks[5]!), lowWork);
  assert.equal((await chain.addBlock(blocks[2]!)).status, 'orphan');
  assert.equal(chain.orphanCount(), 1);
  await chain.close();
});

test('stripped child, honest child, parent: the chain ends on the child with its transfers, and the stripped body is blamed', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const [parent] = tree.branch(tree.genesis.hash, 1, { txs: [] });
  const child = tree.extend(hashOf(parent!), { txs: [tree.pay(0, 1, 7n, 1n, 0n), tree.pay(2, 3, 9n, 1n, 0n)] });
  const stripped: Block = { ...child, txs: child.txs.slice(1) };
  await assert.rejects(chain.addBlock(stripped), (err) => {
    assert.ok(isVerifyError(err, 'bad-txroot'));
    assert.equal(err.score, 100, 'the sender of a body that does not match its header is banned');
    assert.ok(err.malleated && !err.markInvalid);
    return true;
  });
  assert.equal(chain.hasOrphan(hashOf(child)), false);
  assert.equal(chain.getInvalid(hashOf(child)), undefined);
  assert.equal((await chain.addBlock(child)).status, 'orphan');
  const result = await chain.addBlock(parent!);
  assert.equal(result.status, 'connected');
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(child)));
  assert.deepEqual(chain.getAccount(tree.keys[0]!.address), tree.accountsAt(hashOf(child)).get(toHex(tree.keys[0]!.address)));
  assert.equal(chain.getAccount(tree.keys[0]!.address).nonce, 1n);
  assert.equal(chain.getAccount(tree.keys[2]!.address).nonce, 1n);
  await chain.close();
});

test('10,000 cheap invalid blocks leave the invalid-record count within its cap, across a restart', async () => {
  const tree = new BlockTree();
  const dir = freshDir();
  const cap = 500;
  let chain = await openTestChain(tree, dir, { costPolicy: { maxInvalidRecords: cap } });
  const [b1] = tree.branch(tree.genesis.hash, 1, { txs: [] });
  // Valid proof of work against the target its parent requires, and a wrong height.
  const headers: Header[] = [];
  for (let i = 0; i < 10_000; i++) headers.push(solve({ ...b1!.header, height: 2 + i }, BigInt(i) << 24n));
  for (const header of headers) {
    await assert.rejects(chain.addBlock({ ...b1!, header }), (err) => isVerifyError(err, 'bad-height'));
  }
  assert.deepEqual(chain.invalidCounts(), { total: cap, unstored: cap });
  // The oldest went first; the latest are remembered and refused without work.
  assert.equal(chain.getInvalid(headerHash(headers[0]!)), undefined);
  assert.equal(chain.getInvalid(headerHash(headers[9_999]!))!.code, 'bad-height');
  await chain.close();
  chain = await openTestChain(tree, dir, { costPolicy: { maxInvalidRecords: cap } });
  assert.deepEqual(chain.invalidCounts(), { total: cap, unstored: cap });
  await chain.close();
});

test('a header that misses the target its context requires is refused but never recorded', async () => {
  // Block 1 must carry 0x2000ffff (about 1 hash in 256); the attacker mines at the loosest bits.
  const base = testGenesisParams();
  const genesis = testGenesis({ pow: { ...base.pow, genesisBits: 0x2000ffff } });
  const tree = new BlockTree(genesis);
  const chain = await openTestChain(tree, freshDir());
  const required = bitsToTarget(expectedBits(tree.params, genesis.block.header, null));
  const template: Header = {
    version: HEADER_VERSION,
    height: 1,
    parentHash: genesis.hash,
    timestamp: genesis.block.header.timestamp + 20,
    bits: EASY_BITS,
    nonce: 0n,
    minerAddress: tree.keys[0]!.address,
    txRoot: txRoot({ txs: [] }),
    contributionsRoot: contributionsRoot({ contributions: [] }),
    reportRoot: reportRoot({ report: [] }),
    stateRoot: genesis.block.header.stateRoot,
    modelHash: genesis.block.header.modelHash,
  };
  let lucky = 0;
  for (let i = 0; i < 2_000; i++) {
    const header = solve(template, BigInt(i) << 24n);
    if (hashToBigInt(headerHash(header)) <= required) lucky += 1;
    await assert.rejects(chain.addBlock({ header, txs: [], contributions: [], report: [] }), (err) => isVerifyError(err, 'bad-diffbits'));
  }
  // Only the few that happen to meet the required target (they cost that much work) are recorded.
  assert.equal(chain.invalidCounts().total, lucky);
  assert.ok(lucky < 100, `${lucky} of 2,000`);
  await chain.close();
});

/** A block on `parent` with one real contribution and a placeholder report: stateless rules pass. */
function contributionBlock(tree: BlockTree, parent: Uint8Array): Block {
  const context = tree.context(parent);
  const key = tree.keys[0]!;
  const contribution = contribute(tree.params, key, parent, new Float32Array(context.model.length).fill(1e-3));
  const entry: ReportEntry = {
    contributor: key.address,
    lossOwnBefore: 1,
    lossOwnAfter: 1,
    lossRandBefore: 1,
    lossRandAfter: 1,
    score: 0,
    indicator: 1,
    weight: 0,
    reward: 0n,
    aggregated: false,
  };
  const body = { txs: [], contributions: [contribution], report: [entry] };
  const header = solve({
    version: HEADER_VERSION,
    height: context.header.height + 1,
    parentHash: parent,
    timestamp: context.header.timestamp + tree.params.pow.blockTimeSeconds,
    bits: expectedBits(tree.params, context.header, context.anchorTimestamp),
    nonce: 0n,
    minerAddress: tree.keys[6]!.address,
    txRoot: txRoot(body),
    contributionsRoot: contributionsRoot(body),
    reportRoot: reportRoot(body),
    stateRoot: context.header.stateRoot,
    modelHash: context.header.modelHash,
  });
  return { header, ...body };
}

test('a reorganisation that fails on an error not of the blocks rolls back to the best valid chain', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const main = tree.branch(tree.genesis.hash, 2, { txs: [] });
  await addAll(chain, main);
  const side = tree.branch(tree.genesis.hash, 2, { txs: [] });
  assert.deepEqual(await addAll(chain, side), ['side', 'side']);
  // The third side block leads; connecting it needs the dataset this chain was opened without.
  const tips: string[] = [];
  chain.on('tip', (change) => tips.push(toHex(change.to.hash)));
  await assert.rejects(chain.addBlock(contributionBlock(tree, hashOf(side[1]!))), (err) => err instanceof DatasetError && !(err instanceof VerifyError));
  // Not the fork point, not the side branch's equal-work prefix: the old chain, seen first.
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(main[1]!)));
  assert.deepEqual(tips, []);
  // Nothing was marked: the block broke no rule, and the node keeps following its chain.
  const failed = contributionBlock(tree, hashOf(side[1]!));
  assert.equal(chain.getInvalid(hashOf(failed)), undefined);
  assert.equal(chain.invalidCounts().total, 0);
  const next = tree.extend(hashOf(main[1]!), { txs: [] });
  assert.equal((await chain.addBlock(next)).status, 'connected');
  assert.deepEqual(tips, [toHex(hashOf(next))]);
  await chain.close();
});
