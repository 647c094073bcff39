import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Block, Header } from '../../consensus/types.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { toHex } from '../../consensus/hash.ts';
import { workFromBits } from '../../consensus/pow/work.ts';
import { bitsToTarget, targetToBits } from '../../consensus/pow/compact.ts';
import { hashToBigInt } from '../../consensus/pow/target.ts';
import { computeStateRoot } from '../../consensus/state-transition.ts';
import { encodeBlock } from '../../chain/block.ts';
import { headerHash } from '../../chain/header.ts';
import { ChainDB } from '../../chain/db/chaindb.ts';
import { ChainDBError } from '../../chain/db/errors.ts';
import { ENTRY_FLAGS, makeEntry } from '../../chain/db/entry.ts';
import { verifyChainDB } from '../../chain/db/verify.ts';
import { solve } from '../util/fixtures.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';
import { TEST_NOW } from '../util/clock.ts';

const root = tempDir('chain');
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, String(dirs++));

/** The same block with header fields changed and the proof of work searched again. */
function rework(block: Block, changes: Partial<Header>): Block {
  return Object.freeze({ ...block, header: solve({ ...block.header, ...changes, nonce: 0n }, 1n << 40n) });
}

test('the first open writes the genesis; a reopen resumes at the tip with its accounts', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  const genesis = chain.tip();
  assert.equal(toHex(genesis.hash), toHex(tree.genesis.hash));
  assert.equal(genesis.height, 0);
  assert.equal(genesis.sequence, 0);
  assert.equal(genesis.status, ENTRY_FLAGS.VALID | ENTRY_FLAGS.HAS_BLOCK);
  assert.equal(genesis.chainwork, workFromBits(tree.genesis.block.header.bits));
  assert.deepEqual(new Map(chain.accounts()), tree.genesis.accounts);
  const blocks = tree.branch(tree.genesis.hash, 3, { txs: [] });
  const withTx = tree.extend(hashOf(blocks[2]!), { txs: [tree.pay(0, 5, 123n, 2n, 0n)] });
  for (const block of [...blocks, withTx]) assert.equal((await chain.addBlock(block)).status, 'connected');
  await chain.close();
  await assert.rejects(chain.addBlock(withTx), (err) => err instanceof ChainDBError && err.code === 'closed');

  chain = await openTestChain(tree, location);
  assert.equal(chain.height(), 4);
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(withTx)));
  assert.deepEqual(new Map(chain.accounts()), new Map(tree.accountsAt(hashOf(withTx))));
  assert.equal(chain.getAccount(tree.keys[5]!.address).balance, 123n);
  assert.equal(chain.getAccount(tree.keys[0]!.address).nonce, 1n);
  assert.equal(toHex(chain.getHashAtHeight(2)!), toHex(hashOf(blocks[1]!)));
  assert.equal(chain.getHashAtHeight(5), undefined);
  assert.ok(chain.isMainChain(hashOf(blocks[0]!)));
  assert.deepEqual(await chain.getBlock(hashOf(withTx)), withTx);
  assert.deepEqual(await chain.getBlockBytes(hashOf(withTx)), encodeBlock(withTx));
  assert.equal(chain.getEntry(hashOf(withTx))!.chainwork, genesis.chainwork + 4n * workFromBits(withTx.header.bits));
  await chain.close();
});

test('blocks are accepted as bytes; duplicates are reported; undecodable bytes are refused', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const [b1] = tree.branch(tree.genesis.hash, 1);
  const result = await chain.addBlock(encodeBlock(b1!));
  assert.equal(result.status, 'connected');
  assert.equal(result.height, 1);
  assert.equal(toHex(result.tip.hash), toHex(hashOf(b1!)));
  assert.equal((await chain.addBlock(b1!)).status, 'duplicate');
  assert.equal((await chain.addBlock(tree.genesis.block)).status, 'duplicate');
  const bytes = encodeBlock(tree.extend(hashOf(b1!)));
  for (const bad of [bytes.subarray(0, 100), new Uint8Array([0xc1]), Uint8Array.of(...bytes, 0)]) {
    await assert.rejects(chain.addBlock(bad), (err) => isVerifyError(err, 'bad-encoding'));
  }
  assert.equal(chain.height(), 1);
  await chain.close();
});

test('header failures: permanent ones are marked invalid, a too-new timestamp and bad work are not', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  const [b1] = tree.branch(tree.genesis.hash, 1);
  await chain.addBlock(b1!);
  const next = tree.extend(hashOf(b1!));

  const harder = rework(next, { bits: targetToBits(bitsToTarget(next.header.bits) / 2n) });
  await assert.rejects(chain.addBlock(harder), (err) => isVerifyError(err, 'bad-diffbits'));
  assert.equal(chain.getInvalid(hashOf(harder))!.code, 'bad-diffbits');

  const old = rework(next, { timestamp: tree.genesis.block.header.timestamp });
  await assert.rejects(chain.addBlock(old), (err) => isVerifyError(err, 'time-too-old'));
  assert.equal(chain.getInvalid(hashOf(old))!.code, 'time-too-old');

  // Too far ahead of this node's clock: refused now, fine later, never marked.
  const early = { now: next.header.timestamp - tree.params.pow.maxFutureSeconds - 1 };
  await assert.rejects(chain.addBlock(next, early), (err) => isVerifyError(err, 'time-too-new') && err.score === 0);
  assert.equal(chain.getInvalid(hashOf(next)), undefined);

  // A header that does not meet its own target: refused before anything is stored.
  let unworked = next.header;
  const target = bitsToTarget(next.header.bits);
  for (let nonce = 0n; hashToBigInt(headerHash(unworked)) <= target; nonce++) unworked = { ...unworked, nonce };
  await assert.rejects(chain.addBlock({ ...next, header: unworked }), (err) => isVerifyError(err, 'high-hash'));
  assert.equal(chain.getInvalid(headerHash(unworked)), undefined);
  assert.equal(chain.getEntry(headerHash(unworked)), undefined);

  await chain.close();
  chain = await openTestChain(tree, location);
  await assert.rejects(chain.addBlock(harder), (err) => isVerifyError(err, 'bad-diffbits'));
  assert.equal((await chain.addBlock(next, { now: TEST_NOW })).status, 'connected');
  await chain.close();
});

test('a body that does not match its header is refused but the header is not blamed', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const tx = tree.pay(0, 1, 50n, 1n, 0n);
  const block = tree.extend(tree.genesis.hash, { txs: [tx] });
  const stripped: Block = { ...block, txs: [] };
  await assert.rejects(chain.addBlock(stripped), (err) => isVerifyError(err, 'bad-txroot'));
  const doubled: Block = { ...block, txs: [tx, tx] };
  await assert.rejects(chain.addBlock(doubled), (err) => isVerifyError(err, 'bad-txroot'));
  assert.equal(chain.getInvalid(hashOf(block)), undefined);
  assert.equal((await chain.addBlock(block)).status, 'connected');
  await chain.close();
});

test('a body rule broken inside what the header commits to marks the block invalid', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  const chain = await openTestChain(tree, location);
  const tx = tree.pay(0, 1, 50n, 1n, 0n);
  const forged = tree.forge(tree.genesis.hash, [{ ...tx, signature: tx.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) }]);
  await assert.rejects(chain.addBlock(forged), (err) => isVerifyError(err, 'bad-tx-signature'));
  assert.equal(chain.getInvalid(hashOf(forged))!.code, 'bad-tx-signature');
  const child = tree.extend(hashOf(forged));
  await assert.rejects(chain.addBlock(child), (err) => isVerifyError(err, 'invalid-ancestor'));
  assert.equal(chain.orphanCount(), 0);
  await chain.close();
  const db = await ChainDB.open(location);
  assert.deepEqual(await verifyChainDB(db), []);
  await db.close();
});

test('concurrent addBlock calls are serialised: any interleaving ends on the same chain', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const a = tree.branch(tree.genesis.hash, 6, { txs: [] });
  const b = tree.branch(hashOf(a[1]!), 6, { txs: [] });
  const shuffled = [b[3], a[0], b[0], a[5], a[1], b[5], a[2], b[1], a[3], b[2], a[4], b[4]] as Block[];
  const results = await Promise.all(shuffled.map((block) => chain.addBlock(block)));
  assert.equal(results.filter((r) => r.status === 'duplicate').length, 0);
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(b[5]!)));
  assert.equal(toHex(computeStateRoot(chain.accounts())), toHex(b[5]!.header.stateRoot));
  await chain.close();
});

test('locators, fork points and headers after a locator', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const main = tree.branch(tree.genesis.hash, 30, { txs: [] });
  for (const block of main) await chain.addBlock(block);
  const heightOf = (hash: Uint8Array): number => chain.getEntry(hash)!.height;
  assert.deepEqual(chain.getLocator().map(heightOf), [30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 19, 15, 7, 0]);
  // A peer on a fork from height 5, with an unknown tip.
  const side = tree.branch(hashOf(main[4]!), 2, { txs: [] });
  const peerLocator = [new Uint8Array(32).fill(7), hashOf(side[1]!), hashOf(main[4]!), tree.genesis.hash];
  await chain.addBlock(side[0]!);
  assert.equal(chain.findForkPoint(peerLocator).height, 5);
  assert.deepEqual(
    chain.getHeadersAfter(peerLocator, 3).map((h) => h.height),
    [6, 7, 8],
  );
  assert.deepEqual(chain.getHeadersAfter([hashOf(main[28]!)], 10).map((h) => h.height), [30]);
  assert.deepEqual(chain.getHeadersAfter([], 2).map((h) => h.height), [1, 2]);
  assert.deepEqual(chain.getHeadersAfter([hashOf(main[29]!)], 5), []);
  await chain.close();
});

test('chain tips: active, valid-fork, valid-headers and invalid', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const a = tree.branch(tree.genesis.hash, 3, { txs: [] });
  const b = tree.branch(tree.genesis.hash, 2, { txs: [] });
  const c = tree.branch(hashOf(a[0]!), 1, { txs: [] });
  const bad = tree.forge(hashOf(a[2]!), [tree.pay(1, 0, 1n, 0n, 4n)]);
  for (const block of [...b, ...a, ...c]) await chain.addBlock(block);
  await assert.rejects(chain.addBlock(bad));
  const tips = chain.getChainTips().map((t) => ({ hash: toHex(t.hash), status: t.status, branch: t.branchLength }));
  assert.deepEqual(
    new Set(tips.map((t) => JSON.stringify(t))),
    new Set(
      [
        { hash: toHex(hashOf(bad)), status: 'invalid', branch: 1 },
        { hash: toHex(hashOf(a[2]!)), status: 'active', branch: 0 },
        { hash: toHex(hashOf(b[1]!)), status: 'valid-fork', branch: 2 },
        { hash: toHex(hashOf(c[0]!)), status: 'valid-headers', branch: 1 },
      ].map((t) => JSON.stringify(t)),
    ),
  );
  await chain.close();
});

test('opening finishes work a crash interrupted: a stored block that leads is connected', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  const chain = await openTestChain(tree, location);
  const [b1, b2] = tree.branch(tree.genesis.hash, 2, { txs: [] });
  await chain.addBlock(b1!);
  const work = chain.tip().chainwork + workFromBits(b2!.header.bits);
  await chain.close();
  // What a crash right after storing b2, before connecting it, leaves behind.
  const db = await ChainDB.open(location);
  await db.saveBlock(makeEntry(hashOf(b2!), b2!.header, work, ENTRY_FLAGS.HAS_BLOCK, 2), encodeBlock(b2!));
  await db.close();
  const reopened = await openTestChain(tree, location);
  assert.equal(toHex(reopened.tip().hash), toHex(hashOf(b2!)));
  assert.equal(reopened.getEntry(hashOf(b2!))!.status, ENTRY_FLAGS.VALID | ENTRY_FLAGS.HAS_BLOCK);
  await reopened.close();
});

test('block and tip events for a plain extension', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const seen: string[] = [];
  chain.on('block', (block, entry) => seen.push(`block ${block.header.height} ${entry.height}`));
  chain.on('tip', (change) => seen.push(`tip ${change.from.height}->${change.to.height} ${change.disconnected.length}`));
  chain.on('reorg', () => seen.push('reorg'));
  for (const block of tree.branch(tree.genesis.hash, 2)) await chain.addBlock(block);
  assert.deepEqual(seen, ['block 1 1', 'tip 0->1 0', 'block 2 2', 'tip 1->2 0']);
  await chain.close();
});
