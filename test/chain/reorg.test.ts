import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Block } from '../../consensus/types.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { computeStateRoot } from '../../consensus/state-transition.ts';
import { toHex } from '../../consensus/hash.ts';
import { transferId } from '../../consensus/ids.ts';
import type { Chain, TipChange } from '../../chain/chain.ts';
import { ChainDB } from '../../chain/db/chaindb.ts';
import { verifyChainDB } from '../../chain/db/verify.ts';
import { Mempool } from '../../src/mempool/mempool.ts';
import { BlockTree, hashOf, openTestChain, pathTo, tempDir } from '../util/block-tree.ts';

const root = tempDir('reorg');
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, String(dirs++));

async function addAll(chain: Chain, blocks: readonly Block[]): Promise<string[]> {
  const statuses: string[] = [];
  for (const block of blocks) statuses.push((await chain.addBlock(block)).status);
  return statuses;
}

/** The chain must be in exactly the state of a node that only ever saw the branch to its tip. */
async function assertMatchesReference(tree: BlockTree, chain: Chain, expectedTip: Block): Promise<void> {
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(expectedTip)), 'tip');
  const reference = await openTestChain(tree, freshDir());
  try {
    await addAll(reference, pathTo(tree, hashOf(expectedTip)));
    assert.equal(toHex(reference.tip().hash), toHex(chain.tip().hash));
    assert.deepEqual(new Map(chain.accounts()), new Map(reference.accounts()));
    assert.deepEqual(new Map(chain.accounts()), new Map(tree.accountsAt(hashOf(expectedTip))));
    assert.equal(toHex(computeStateRoot(chain.accounts())), toHex(expectedTip.header.stateRoot));
  } finally {
    await reference.close();
  }
}

async function assertDbConsistent(chain: Chain, location: string, tree: BlockTree): Promise<Chain> {
  await chain.close();
  const db = await ChainDB.open(location);
  assert.deepEqual(await verifyChainDB(db), []);
  await db.close();
  return openTestChain(tree, location);
}

function attachMempool(chain: Chain): { mempool: Mempool; changes: TipChange[] } {
  const mempool = new Mempool(chain.params, chain.accounts(), { minFeeRate: 0n, dustAmount: 0n });
  const changes: TipChange[] = [];
  chain.on('tip', (change) => {
    changes.push(change);
    mempool.onReorg(change.disconnected, change.connected, chain.accounts());
  });
  return { mempool, changes };
}

const ids = (mempool: Mempool): string[] => mempool.all().map((tx) => toHex(transferId(tx))).sort();

test('equal work does not switch; one more block does', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  const chain = await openTestChain(tree, location);
  const a = tree.branch(tree.genesis.hash, 3);
  const b = tree.branch(tree.genesis.hash, 4);
  assert.deepEqual(await addAll(chain, a), ['connected', 'connected', 'connected']);
  assert.deepEqual(await addAll(chain, b.slice(0, 3)), ['side', 'side', 'side']);
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(a[2]!)));
  assert.equal(chain.tip().chainwork, chain.getEntry(hashOf(b[2]!))!.chainwork);
  const last = await chain.addBlock(b[3]!);
  assert.equal(last.status, 'reorganized');
  await assertMatchesReference(tree, chain, b[3]!);
  await chain.close();
});

test('a heavier fork switches, switching back works, and state and mempool follow every time', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  let { mempool, changes } = attachMempool(chain);
  // Old branch A: a1 carries t1 (0→1) and t2 (2→3); a2 on top.
  const t1 = tree.pay(0, 1, 5_000n, 10n, 0n);
  const t2 = tree.pay(2, 3, 7_000n, 20n, 0n);
  const a1 = tree.extend(tree.genesis.hash, { txs: [t1, t2] });
  const a2 = tree.extend(hashOf(a1));
  // Fork B from the genesis: b1 carries t1 and t3 (1→0); b2, b3 on top.
  const t3 = tree.pay(1, 0, 1_000n, 5n, 0n);
  const b1 = tree.extend(tree.genesis.hash, { txs: [t1, t3] });
  const [b2, b3] = tree.branch(hashOf(b1), 2);
  // A pending transfer in nobody's block stays through everything.
  const t4 = tree.pay(3, 2, 100n, 1n, 0n);
  mempool.add(t4);
  for (const tx of [t1, t2, t3]) mempool.add(tx);

  assert.deepEqual(await addAll(chain, [a1, a2]), ['connected', 'connected']);
  assert.deepEqual(ids(mempool), [t3, t4].map((tx) => toHex(transferId(tx))).sort());
  assert.deepEqual(await addAll(chain, [b1, b2!, b3!]), ['side', 'side', 'reorganized']);
  await assertMatchesReference(tree, chain, b3!);
  const reorg = changes.at(-1)!;
  assert.equal(reorg.disconnected.length, 2);
  assert.equal(reorg.connected.length, 3);
  assert.equal(toHex(reorg.fork.hash), toHex(tree.genesis.hash));
  // t2 is back (its block left the chain); t1 and t3 are in b1.
  assert.deepEqual(ids(mempool), [t2, t4].map((tx) => toHex(transferId(tx))).sort());

  chain = await assertDbConsistent(chain, location, tree);
  ({ mempool, changes } = attachMempool(chain));
  for (const tx of [t2, t4]) mempool.add(tx);
  // Back to A: a3, a4 make it heavier (4 blocks against 3).
  const [a3, a4] = tree.branch(hashOf(a2), 2);
  assert.deepEqual(await addAll(chain, [a3!, a4!]), ['side', 'reorganized']);
  await assertMatchesReference(tree, chain, a4!);
  // t3 only existed on B; it is valid on A (key 1 was paid by t1), so it returns.
  assert.deepEqual(ids(mempool), [t3, t4].map((tx) => toHex(transferId(tx))).sort());
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.disconnected.length, 3);
  await (await assertDbConsistent(chain, location, tree)).close();
});

test('a heavier fork that double-spends and then breaks a rule is rejected, and the old chain stays', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  const { mempool } = attachMempool(chain);
  const balance = tree.accountsAt(tree.genesis.hash).get(toHex(tree.keys[0]!.address))!.balance;
  // A: key 0 pays key 1 (valid there).
  const spend = tree.pay(0, 1, 1_000n, 10n, 0n);
  const a1 = tree.extend(tree.genesis.hash, { txs: [spend] });
  const a2 = tree.extend(hashOf(a1));
  // B: the same funds go to key 2 instead (valid on its own), then b2 replays A's spend, whose
  // nonce B has already used: invalid in B's context. b3 makes B the heavier branch.
  const doubleSpend = tree.pay(0, 2, balance - 100n, 50n, 0n);
  const b1 = tree.extend(tree.genesis.hash, { txs: [doubleSpend] });
  const b2 = tree.forge(hashOf(b1), [spend]);
  const b3 = tree.extend(hashOf(b2));
  const pending = tree.pay(3, 1, 10n, 1n, 0n);
  mempool.add(pending);
  await addAll(chain, [a1, a2]);
  const invalid: string[] = [];
  chain.on('invalid', (hash) => invalid.push(toHex(hash)));
  assert.deepEqual(await addAll(chain, [b1, b2]), ['side', 'side']);
  await assert.rejects(chain.addBlock(b3), (err) => isVerifyError(err, 'invalid-ancestor'));
  assert.deepEqual(invalid, [toHex(hashOf(b2))]);
  await assertMatchesReference(tree, chain, a2);
  assert.equal(chain.getInvalid(hashOf(b2))!.code, 'bad-tx-nonce');
  assert.equal(chain.getInvalid(hashOf(b3))!.code, 'invalid-ancestor');
  assert.equal(chain.getInvalid(hashOf(b1)), undefined);
  // The net change was none: the mempool is untouched.
  assert.deepEqual(ids(mempool), [toHex(transferId(pending))]);
  const tips = chain.getChainTips();
  assert.deepEqual(
    tips.map((t) => [t.height, t.status]),
    [
      [3, 'invalid'],
      [2, 'active'],
    ],
  );
  chain = await assertDbConsistent(chain, location, tree);
  await chain.close();
});

test('an invalid tip on a heavier fork leaves the node on its valid prefix when that prefix is heavier', async () => {
  const tree = new BlockTree();
  const a = tree.branch(tree.genesis.hash, 2);
  const b = tree.branch(tree.genesis.hash, 3);
  const bad = tree.forge(hashOf(b[2]!), [tree.pay(0, 1, 2n ** 62n, 0n, 0n)]);
  const after = tree.extend(hashOf(bad));

  // In order: b3 already made B the main chain; the invalid block then fails to connect.
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  await addAll(chain, a);
  assert.deepEqual(await addAll(chain, b), ['side', 'side', 'reorganized']);
  await assert.rejects(chain.addBlock(bad), (err) => isVerifyError(err, 'bad-tx-balance'));
  await assert.rejects(chain.addBlock(after), (err) => isVerifyError(err, 'invalid-ancestor'));
  await assertMatchesReference(tree, chain, b[2]!);
  chain = await assertDbConsistent(chain, location, tree);
  await chain.close();

  // Child first: every B block waits as an orphan and the whole branch is tried in one call.
  const location2 = freshDir();
  chain = await openTestChain(tree, location2);
  await addAll(chain, a);
  assert.deepEqual(await addAll(chain, [after, bad, b[2]!, b[1]!]), ['orphan', 'orphan', 'orphan', 'orphan']);
  assert.equal((await chain.addBlock(b[0]!)).status, 'side');
  await assertMatchesReference(tree, chain, b[2]!);
  assert.equal(chain.getInvalid(hashOf(bad))!.code, 'bad-tx-balance');
  assert.equal(chain.getInvalid(hashOf(after))!.code, 'invalid-ancestor');
  assert.equal(chain.orphanCount(), 0);
  await (await assertDbConsistent(chain, location2, tree)).close();
});

test('an invalid block on a heavier fork sends the node back to the old chain when the prefix is lighter', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  const { changes } = attachMempool(chain);
  const a = tree.branch(tree.genesis.hash, 3);
  const b = tree.branch(tree.genesis.hash, 2);
  const bad = tree.forge(hashOf(b[1]!), [tree.pay(1, 2, 1n, 0n, 5n)]);
  const b4 = tree.extend(hashOf(bad));
  await addAll(chain, a);
  assert.deepEqual(await addAll(chain, [...b, bad]), ['side', 'side', 'side']);
  const disconnects: string[] = [];
  chain.on('disconnect', (block) => disconnects.push(toHex(hashOf(block))));
  await assert.rejects(chain.addBlock(b4), (err) => isVerifyError(err, 'invalid-ancestor'));
  await assertMatchesReference(tree, chain, a[2]!);
  // The node went to B's prefix and came back, but the net change is none: no event.
  assert.deepEqual(disconnects, []);
  assert.equal(changes.length, 3);
  chain = await assertDbConsistent(chain, location, tree);
  assert.equal(chain.getInvalid(hashOf(bad))!.code, 'bad-tx-nonce');
  await chain.close();
});

test('invalid marks survive a restart: the block and its descendants are refused without work', async () => {
  const tree = new BlockTree();
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  const a = tree.branch(tree.genesis.hash, 1);
  const bad = tree.forge(tree.genesis.hash, [tree.pay(0, 1, 1n, 0n, 3n)]);
  const child = tree.extend(hashOf(bad));
  const grandchild = tree.extend(hashOf(child));
  await addAll(chain, a);
  assert.equal((await chain.addBlock(bad)).status, 'side');
  await assert.rejects(chain.addBlock(child), (err) => isVerifyError(err, 'invalid-ancestor'));
  await chain.close();

  chain = await openTestChain(tree, location);
  assert.equal(chain.getInvalid(hashOf(bad))!.code, 'bad-tx-nonce');
  await assert.rejects(chain.addBlock(bad), (err) => isVerifyError(err, 'bad-tx-nonce') && /known invalid/.test(err.reason));
  await assert.rejects(chain.addBlock(child), (err) => isVerifyError(err, 'invalid-ancestor'));
  // A block never seen before whose parent is marked: refused and marked too.
  await assert.rejects(chain.addBlock(grandchild), (err) => isVerifyError(err, 'invalid-ancestor'));
  assert.equal(chain.getInvalid(hashOf(grandchild))!.code, 'invalid-ancestor');
  assert.equal(toHex(chain.tip().hash), toHex(hashOf(a[0]!)));
  await (await assertDbConsistent(chain, location, tree)).close();
});

test('the first-seen tie survives a restart, whichever branch came first', async () => {
  for (const firstB of [false, true]) {
    const tree = new BlockTree();
    const location = freshDir();
    const a = tree.branch(tree.genesis.hash, 2);
    const b = tree.branch(tree.genesis.hash, 2);
    const [first, second] = firstB ? [b, a] : [a, b];
    let chain = await openTestChain(tree, location);
    await addAll(chain, first);
    assert.deepEqual(await addAll(chain, second), ['side', 'side']);
    assert.equal(toHex(chain.tip().hash), toHex(hashOf(first[1]!)));
    await chain.close();
    chain = await openTestChain(tree, location);
    assert.equal(toHex(chain.tip().hash), toHex(hashOf(first[1]!)), `first seen wins after restart (firstB=${firstB})`);
    await assertMatchesReference(tree, chain, first[1]!);
    await chain.close();
  }
});

test('reorganisation events carry the net change in order', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, freshDir());
  const a = tree.branch(tree.genesis.hash, 3);
  const b = tree.branch(hashOf(a[0]!), 3);
  await addAll(chain, a);
  const seen: string[] = [];
  chain.on('disconnect', (block) => seen.push(`-${block.header.height}`));
  chain.on('block', (block) => seen.push(`+${block.header.height}`));
  chain.on('reorg', (change) => seen.push(`reorg ${change.from.height}->${change.to.height} at ${change.fork.height}`));
  chain.on('tip', (change) => seen.push(`tip ${change.to.height}`));
  await addAll(chain, b);
  assert.deepEqual(seen, ['-3', '-2', '+2', '+3', '+4', 'reorg 3->4 at 1', 'tip 4']);
  await chain.close();
});
