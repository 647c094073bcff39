/**
 * The address index against the chain it follows, on real LevelDB: after blocks, a reorganisation
 * and a switch back, every address's indexed history equals a scan of the main chain; an index
 * closed while the chain grows catches up at open, and one whose tip was reorganised away while it
 * was closed rebuilds.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Chain } from '../../chain/chain.ts';
import { addressHash } from '../../consensus/address.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { toHex } from '../../consensus/hash.ts';
import { transferId } from '../../consensus/ids.ts';
import { AddressIndex } from '../../src/indexes/address-index.ts';
import { silentLogger } from '../../src/log.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';

const root = tempDir('address-index');
after(() => rmSync(root, { recursive: true, force: true }));

/** What a scan of the main chain from the tip down gives for `address`: "height:txid", newest first. */
async function scan(chain: Chain, address: Uint8Array): Promise<string[]> {
  const out: string[] = [];
  for (let h = chain.height(); h > 0; h--) {
    const block = (await chain.getBlock(chain.getEntryAtHeight(h)!.hash))!;
    for (let i = block.txs.length - 1; i >= 0; i--) {
      const tx = block.txs[i]!;
      if (bytesEqual(tx.recipient, address) || bytesEqual(addressHash(tx.senderPublicKey), address)) out.push(`${h}:${toHex(transferId(tx))}`);
    }
  }
  return out;
}

async function indexed(index: AddressIndex, address: Uint8Array, limit = 1_000): Promise<string[]> {
  return (await index.history(address, limit)).map((e) => `${e.height}:${toHex(transferId(e.tx))}`);
}

async function sameAsScan(index: AddressIndex, chain: Chain, tree: BlockTree): Promise<void> {
  for (const key of tree.keys) assert.deepEqual(await indexed(index, key.address), await scan(chain, key.address));
  const tip = await index.tip();
  assert.equal(tip && toHex(tip.hash), toHex(chain.tip().hash));
}

test('history follows the main chain through blocks and reorganisations', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, join(root, 'chain-a'));
  const index = await AddressIndex.open(join(root, 'index-a'), chain, silentLogger());
  try {
    const a1 = tree.extend(tree.genesis.hash, { txs: [tree.pay(0, 1, 5_000n, 10n, 0n), tree.pay(2, 3, 7_000n, 20n, 0n)] });
    const a2 = tree.extend(hashOf(a1), { txs: [tree.pay(1, 0, 1_000n, 5n, 0n), tree.pay(0, 4, 300n, 1n, 1n)] });
    for (const b of [a1, a2]) await chain.addBlock(b);
    await index.synced();
    await sameAsScan(index, chain, tree);
    assert.equal((await indexed(index, tree.keys[0]!.address)).length, 3);
    assert.equal((await index.history(tree.keys[0]!.address, 2)).length, 2, 'the limit holds');
    const entry = (await index.history(tree.keys[3]!.address, 5))[0]!;
    assert.equal(entry.height, 1);
    assert.equal(toHex(entry.blockHash), toHex(hashOf(a1)));
    assert.equal(entry.time, a1.header.timestamp);
    assert.equal(entry.tx.amount, 7_000n);

    // A heavier branch from the genesis replaces both blocks, then the first branch wins again.
    const b = tree.branch(tree.genesis.hash, 3, { txs: [] });
    const b1 = tree.extend(hashOf(b[2]!), { txs: [tree.pay(3, 5, 900n, 2n, 0n)] });
    for (const block of [...b, b1]) await chain.addBlock(block);
    await index.synced();
    assert.equal(toHex(chain.tip().hash), toHex(hashOf(b1)));
    await sameAsScan(index, chain, tree);
    assert.deepEqual(await indexed(index, tree.keys[1]!.address), [], 'the disconnected transfers are gone');
    const a3 = tree.branch(hashOf(a2), 3, { txs: [] });
    for (const block of a3) await chain.addBlock(block);
    await index.synced();
    assert.equal(toHex(chain.tip().hash), toHex(hashOf(a3[2]!)));
    await sameAsScan(index, chain, tree);
    assert.equal((await indexed(index, tree.keys[1]!.address)).length, 2);
  } finally {
    await index.close();
    await chain.close();
  }
});

test('an index closed while the chain moves catches up, or rebuilds if its tip left the main chain', async () => {
  const tree = new BlockTree();
  const chain = await openTestChain(tree, join(root, 'chain-b'));
  const location = join(root, 'index-b');
  try {
    const a = tree.extend(tree.genesis.hash, { txs: [tree.pay(0, 1, 5_000n, 10n, 0n)] });
    await chain.addBlock(a);
    let index = await AddressIndex.open(location, chain, silentLogger());
    await index.close();
    // Grows while the index is closed: caught up at open.
    const more = tree.extend(hashOf(a), { txs: [tree.pay(1, 2, 1_000n, 10n, 0n)] });
    await chain.addBlock(more);
    index = await AddressIndex.open(location, chain, silentLogger());
    await sameAsScan(index, chain, tree);
    await index.close();
    // Reorganised past the index's tip while it is closed: rebuilt.
    const other = tree.branch(tree.genesis.hash, 3, { txs: [] });
    const withTx = tree.extend(hashOf(other[2]!), { txs: [tree.pay(2, 5, 2_000n, 10n, 0n)] });
    for (const block of [...other, withTx]) await chain.addBlock(block);
    assert.equal(toHex(chain.tip().hash), toHex(hashOf(withTx)));
    index = await AddressIndex.open(location, chain, silentLogger());
    await sameAsScan(index, chain, tree);
    assert.deepEqual(await indexed(index, tree.keys[0]!.address), []);
    await index.close();
  } finally {
    await chain.close();
  }
});
