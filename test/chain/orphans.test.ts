import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Block } from '../../consensus/types.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { toHex } from '../../consensus/hash.ts';
import { encodeBlock } from '../../chain/block.ts';
import { OrphanPool } from '../../chain/orphans.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';

const root = tempDir('orphans');
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, String(dirs++));

const orphan = (block: Block): { hash: Uint8Array; block: Block; bytes: Uint8Array } => ({
  hash: hashOf(block),
  block,
  bytes: encodeBlock(block),
});

test('blocks arriving child first wait and connect once the parent comes', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const blocks = tree.branch(tree.genesis.hash, 5, { txs: [] });
  const order = [blocks[2]!, blocks[4]!, blocks[3]!, blocks[1]!];
  const results = [];
  for (const block of order) results.push(await chain.addBlock(block));
  assert.deepEqual(
    results.map((r) => r.status),
    ['orphan', 'orphan', 'orphan', 'orphan'],
  );
  // Each answer names what to fetch: the earliest ancestor missing from the chain and the pool.
  assert.deepEqual(
    results.map((r) => toHex(r.missing!)),
    [blocks[1], blocks[3], blocks[1], blocks[0]].map((b) => toHex(hashOf(b!))),
  );
  assert.equal(chain.orphanCount(), 4);
  assert.ok(chain.hasOrphan(hashOf(blocks[4]!)));
  assert.equal((await chain.addBlock(blocks[4]!)).status, 'duplicate');
  const last = await chain.addBlock(blocks[0]!);
  assert.equal(last.status, 'connected');
  assert.equal(last.tip.height, 5);
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(blocks[4]!)));
  assert.equal(chain.orphanCount(), 0);
  await chain.close();
});

test('an orphan that turns out invalid is dropped and marked; its valid siblings still connect', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const [b1] = tree.branch(tree.genesis.hash, 1, { txs: [] });
  const bad = tree.forge(hashOf(b1!), [tree.pay(0, 1, 2n ** 62n, 0n, 0n)]);
  const good = tree.extend(hashOf(b1!));
  const badChild = tree.extend(hashOf(bad));
  for (const block of [badChild, bad, good]) assert.equal((await chain.addBlock(block)).status, 'orphan');
  const result = await chain.addBlock(b1!);
  assert.equal(result.status, 'connected');
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(good)));
  assert.equal(chain.getInvalid(hashOf(bad))!.code, 'bad-tx-balance');
  assert.equal(chain.getInvalid(hashOf(badChild))!.code, 'invalid-ancestor');
  assert.equal(chain.orphanCount(), 0);
  await chain.close();
});

test('a header without its proof of work never enters the orphan pool', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const [, b2] = tree.branch(tree.genesis.hash, 2, { txs: [] });
  const header = { ...b2!.header, bits: 0x03000001 };
  await assert.rejects(chain.addBlock({ ...b2!, header }), (err) => isVerifyError(err, 'high-hash'));
  assert.equal(chain.orphanCount(), 0);
  await chain.close();
});

test('the chain keeps its orphan pool within the count bound, dropping the oldest', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir(), { orphanLimits: { maxCount: 3 } });
  const blocks = tree.branch(tree.genesis.hash, 6, { txs: [] });
  // Five orphans (blocks 2..6, oldest first): only the last three stay.
  for (const block of blocks.slice(1)) await chain.addBlock(block);
  assert.equal(chain.orphanCount(), 3);
  assert.ok(!chain.hasOrphan(hashOf(blocks[1]!)));
  assert.ok(!chain.hasOrphan(hashOf(blocks[2]!)));
  assert.equal((await chain.addBlock(blocks[0]!)).tip.height, 1, 'block 2 was evicted, so nothing follows');
  assert.equal((await chain.addBlock(blocks[1]!)).tip.height, 2);
  assert.equal((await chain.addBlock(blocks[2]!)).tip.height, 6, 'blocks 4..6 were waiting');
  await chain.close();
});

test('OrphanPool: bounded by bytes, oldest evicted, too large refused, children taken by parent', () => {
  const tree = new BlockTree();
  const [a1, a2, a3] = tree.branch(tree.genesis.hash, 3, { txs: [] });
  const b2 = tree.extend(hashOf(a1!));
  const size = encodeBlock(a2!).length;
  const pool = new OrphanPool({ maxCount: 100, maxBytes: 2 * size + 10 });
  assert.ok(pool.add(orphan(a2!)));
  assert.ok(pool.add(orphan(b2)));
  assert.equal(pool.bytes, 2 * size);
  assert.ok(pool.add(orphan(a3!)));
  assert.equal(pool.size, 2);
  assert.ok(!pool.has(hashOf(a2!)), 'the oldest went first');
  assert.ok(pool.bytes <= pool.limits.maxBytes);
  assert.equal(toHex(pool.missingAncestor(hashOf(a3!))!), toHex(hashOf(a2!)));
  const children = pool.takeChildren(hashOf(a1!));
  assert.deepEqual(children.map((o) => toHex(o.hash)), [toHex(hashOf(b2))]);
  assert.equal(pool.size, 1);
  assert.equal(pool.bytes, size);
  assert.deepEqual(pool.takeChildren(hashOf(a1!)), []);
  const tiny = new OrphanPool({ maxCount: 10, maxBytes: size - 1 });
  assert.equal(tiny.add(orphan(a2!)), false);
  assert.equal(tiny.size, 0);
});

test('orphans keep waiting when their parent is refused without blame, and go when it is found invalid', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const [b1, b2, b3] = tree.branch(tree.genesis.hash, 3, { txs: [] });
  await chain.addBlock(b3!);
  await chain.addBlock(b2!);
  const early = { now: b1!.header.timestamp - tree.params.pow.maxFutureSeconds - 1 };
  await assert.rejects(chain.addBlock(b1!, early), (err) => isVerifyError(err, 'time-too-new'));
  assert.equal(chain.orphanCount(), 2);
  assert.equal((await chain.addBlock(b1!)).tip.height, 3);

  const unsigned = { ...tree.pay(0, 1, 1n, 0n, 0n), signature: new Uint8Array(64) };
  const bad = tree.forge(hashOf(b3!), [unsigned]);
  const [c1, c2] = tree.branch(hashOf(bad), 2, { txs: [] });
  await chain.addBlock(c2!);
  await chain.addBlock(c1!);
  await assert.rejects(chain.addBlock(bad), (err) => isVerifyError(err, 'bad-tx-signature'));
  assert.equal(chain.orphanCount(), 0);
  // The parent was never stored, so its descendants' targets cannot be checked: no record is
  // kept for them, and the parent's own marker refuses them again at the cost of a lookup.
  assert.equal(chain.getInvalid(hashOf(c1!)), undefined);
  await assert.rejects(chain.addBlock(c1!), (err) => isVerifyError(err, 'invalid-ancestor'));
  assert.deepEqual(chain.invalidCounts(), { total: 1, unstored: 1 });
  await chain.close();
});
