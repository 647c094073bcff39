/**
 * The chain with the Gauntlet's state: blocks whose contributions move the ratings and the model,
 * stored with their undo data; reorganisations across them (depth 20 and back); restarts; a
 * damaged stored model; and the network dataset check.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import type { Block } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { computeFullStateRoot } from '../../consensus/state-root.ts';
import { Chain } from '../../chain/chain.ts';
import { ChainDB } from '../../chain/db/chaindb.ts';
import { ChainDBError } from '../../chain/db/errors.ts';
import { layout } from '../../chain/db/layout.ts';
import { decodeRating, encodeRating } from '../../chain/db/records.ts';
import { verifyChainDB } from '../../chain/db/verify.ts';
import { DatasetError } from '../../chain/dataset.ts';
import { restoreModel } from '../../chain/model-undo.ts';
import { contribute } from '../../src/contributor/honest.ts';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { createDataset } from '../../trainer/pages.ts';
import { loadBrownCorpus } from '../../trainer/io/corpus-loader.ts';
import { BlockTree, hashOf, openTestChain, pathTo, tempDir } from '../util/block-tree.ts';
import { testKeys, type TestKey } from '../util/fixtures.ts';
import { brownNetworkDataset, gauntletGenesis, QUICK_TRAINING } from '../util/gauntlet-network.ts';

const root = tempDir('gauntlet-chain');
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, String(dirs++));

const g = gauntletGenesis();
const dataset = await brownNetworkDataset(g);
await selectBackend('wasm');
const tree = new BlockTree(g, dataset);
const contributors = testKeys(12).slice(8);
const bits = (m: Float32Array): Uint32Array => new Uint32Array(m.buffer, m.byteOffset, m.length);

/** A block on `parent` carrying honest contributions from `keys` (a fresh residual each: reproducible). */
async function contributed(parent: Uint8Array, keys: readonly TestKey[], miner = tree.keys[7]!.address): Promise<Block> {
  const model = tree.modelAt(parent);
  const contributions = [];
  for (const keyPair of keys) {
    contributions.push(
      await contribute({ params: g.params, dataset, parentHash: parent, model, keyPair, errorFeedback: new ErrorFeedback(model.length), ...QUICK_TRAINING }),
    );
  }
  return tree.extend(parent, { contributions, miner });
}

async function branch(parent: Uint8Array, n: number, keys: readonly TestKey[], miner?: Uint8Array): Promise<Block[]> {
  const out: Block[] = [];
  for (let at = parent, i = 0; i < n; i++) {
    const block = await contributed(at, keys, miner);
    out.push(block);
    at = hashOf(block);
  }
  return out;
}

/** The chain is exactly in the state its tip's block leads to: model bits, ratings, accounts, roots. */
function assertTipState(chain: Chain, expected: Block): void {
  const hash = hashOf(expected);
  assert.equal(toHex(chain.tip().hash), toHex(hash), 'tip');
  assert.deepEqual(bits(chain.model()), bits(tree.modelAt(hash)), 'model bits');
  assert.equal(toHex(modelHash(chain.model())), toHex(expected.header.modelHash), 'model hash');
  assert.deepEqual(new Map(chain.ratings()), new Map(tree.ratingsAt(hash)), 'ratings');
  assert.deepEqual(new Map(chain.accounts()), new Map(tree.accountsAt(hash)), 'accounts');
  assert.equal(toHex(computeFullStateRoot(chain.accounts(), chain.ratings())), toHex(expected.header.stateRoot), 'state root');
}

async function addAll(chain: Chain, blocks: readonly Block[]): Promise<string[]> {
  const statuses: string[] = [];
  for (const block of blocks) statuses.push((await chain.addBlock(block)).status);
  return statuses;
}

async function violations(location: string): Promise<string[]> {
  const db = await ChainDB.open(location);
  try {
    return (await verifyChainDB(db)).map((v) => v.invariant);
  } finally {
    await db.close();
  }
}

// The shared history: two blocks with contributions, then the fork point F.
const trunk = await branch(g.hash, 2, contributors.slice(0, 2));
const fork = hashOf(trunk[1]!);

test('blocks with contributions move ratings, model and balances; all of it survives a restart', async () => {
  const first = trunk[0]!;
  assert.equal(first.report.length, 2);
  assert.ok(first.report.some((e) => e.aggregated), 'an honest contribution is aggregated');
  assert.notEqual(toHex(first.header.modelHash), toHex(g.block.header.modelHash), 'the model moved');
  const location = freshDir();
  let chain = await openTestChain(tree, location);
  for (const block of trunk) {
    await chain.addBlock(block);
    assertTipState(chain, block);
  }
  const paid = first.report.reduce((sum, e) => sum + e.reward, 0n);
  assert.ok(paid > 0n);
  for (const e of first.report) assert.equal(chain.getRating(e.contributor)?.contributions, 2);
  await chain.close();
  assert.deepEqual(await violations(location), []);
  chain = await openTestChain(tree, location);
  assertTipState(chain, trunk[1]!);
  await chain.close();
});

test('a depth-20 reorganisation across blocks with contributions, and back: as if only the winning branch was ever seen', async () => {
  const a = await branch(fork, 20, contributors.slice(0, 2));
  const b = await branch(fork, 21, contributors.slice(2, 4), tree.keys[6]!.address);
  const location = freshDir();
  let x = await openTestChain(tree, location);
  await addAll(x, [...trunk, ...a]);
  assertTipState(x, a[19]!);
  await x.close();

  // The undo data alone takes the model and ratings back to the fork point, bit for bit.
  const db = await ChainDB.open(location);
  let model = (await db.getModel(g.model.length))!;
  const ratings = new Map(tree.ratingsAt(hashOf(a[19]!)));
  for (const block of [...a].reverse()) {
    const undo = (await db.getUndo(hashOf(block)))!;
    assert.ok(undo.model.indices.length > 0 && undo.model.indices.length < model.length, 'only the changed coordinates are stored');
    model = restoreModel(model, undo.model);
    for (const [key, rating] of undo.ratings) {
      if (rating === null) ratings.delete(key);
      else ratings.set(key, rating);
    }
  }
  await db.close();
  assert.equal(toHex(modelHash(model)), toHex(trunk[1]!.header.modelHash));
  assert.deepEqual(bits(model), bits(tree.modelAt(fork)));
  assert.deepEqual(ratings, new Map(tree.ratingsAt(fork)));

  x = await openTestChain(tree, location);
  const disconnectedHashes: string[] = [];
  x.on('disconnect', (block) => disconnectedHashes.push(toHex(hashOf(block))));
  const statuses = await addAll(x, b);
  assert.deepEqual(statuses, [...Array<string>(20).fill('side'), 'reorganized']);
  assert.equal(disconnectedHashes.length, 20);
  assertTipState(x, b[20]!);

  const y = await openTestChain(tree, freshDir());
  await addAll(y, pathTo(tree, hashOf(b[20]!)));
  assert.deepEqual(bits(x.model()), bits(y.model()));
  assert.deepEqual(new Map(x.ratings()), new Map(y.ratings()));
  assert.deepEqual(new Map(x.accounts()), new Map(y.accounts()));
  await y.close();

  // And back to the first branch, now longer: a depth-21 reorganisation.
  const more = await branch(hashOf(a[19]!), 2, contributors.slice(0, 2));
  assert.deepEqual(await addAll(x, more), ['side', 'reorganized']);
  assertTipState(x, more[1]!);
  await x.close();
  assert.deepEqual(await violations(location), []);
});

test('a stored model that does not hash to the tip is refused on open, with a clear error', async () => {
  const location = freshDir();
  const chain = await openTestChain(tree, location);
  await addAll(chain, trunk);
  await chain.close();

  const damaged = freshDir();
  cpSync(location, damaged, { recursive: true });
  const raw = new Level<Uint8Array, Uint8Array>(damaged, { keyEncoding: 'view', valueEncoding: 'view' });
  const stored = new Uint8Array((await raw.get(layout.M))!);
  stored[1000] = stored[1000]! ^ 1;
  await raw.put(layout.M, stored);
  await raw.close();
  assert.deepEqual(await violations(damaged), ['model']);
  await assert.rejects(openTestChain(tree, damaged), (err) => {
    assert.ok(err instanceof ChainDBError && err.code === 'corrupt');
    assert.match(err.message, /the stored model hashes to [0-9a-f]{64}, the tip [0-9a-f]{64} names model [0-9a-f]{64}/);
    return true;
  });

  // A rating changed outside the rules no longer hashes to the state root, nor to its stored bucket root.
  const tampered = freshDir();
  cpSync(location, tampered, { recursive: true });
  const raw2 = new Level<Uint8Array, Uint8Array>(tampered, { keyEncoding: 'view', valueEncoding: 'view' });
  const key = layout.r(trunk[0]!.report[0]!.contributor);
  const rating = decodeRating(new Uint8Array((await raw2.get(key))!));
  await raw2.put(key, encodeRating({ ...rating, rewards: rating.rewards + 1n }));
  await raw2.close();
  assert.deepEqual(await violations(tampered), ['accounts', 'state-buckets']);
});

test('the dataset must be the network one; without one, blocks with contributions wait and are not blamed', async () => {
  const other = createDataset(new TextEncoder().encode('not the Brown corpus. '.repeat(4000)), { pageSize: 4096 });
  await assert.rejects(
    Chain.open({ location: freshDir(), genesis: g, dataset: other }),
    (err) => err instanceof DatasetError && err.code === 'wrong-corpus' && err.message.includes(other.contentHash) && err.message.includes(g.params.corpus.contentHash),
  );
  const wrongPages = createDataset(await loadBrownCorpus(), { pageSize: 2048 });
  await assert.rejects(Chain.open({ location: freshDir(), genesis: g, dataset: wrongPages }), /2048-byte pages/);

  const location = freshDir();
  const plain = await openTestChain(tree, location, { dataset: undefined });
  assert.equal(plain.dataset(), null);
  const empty = tree.extend(g.hash);
  assert.equal((await plain.addBlock(empty)).status, 'connected');
  const withContributions = await contributed(hashOf(empty), contributors.slice(0, 1));
  await assert.rejects(plain.addBlock(withContributions), (err) => err instanceof DatasetError && err.code === 'no-dataset');
  assert.equal(toHex(plain.tip().hash), toHex(hashOf(empty)));
  assert.equal(plain.getInvalid(hashOf(withContributions)), undefined);
  await plain.close();
  // Opened with the dataset, the chain connects the stored block on start-up.
  const full = await openTestChain(tree, location);
  assertTipState(full, withContributions);
  assert.ok(full.getRating(contributors[0]!.address));
  assert.equal(toHexKey(withContributions.report[0]!.contributor), toHexKey(contributors[0]!.address));
  await full.close();
});
