import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Account } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { merkleRoot } from '../../consensus/merkle.ts';
import { bucketOf, StateTree } from '../../consensus/state-tree.ts';
import { StateCommitment } from '../../consensus/state-commitment.ts';
import { computeFullStateRoot } from '../../consensus/state-root.ts';
import { mergeAccounts } from '../../consensus/state-transition.ts';
import { mergeRatings, NEW_RATING, type Rating } from '../../consensus/gauntlet/state.ts';
import { taggedHash } from '../../consensus/hash.ts';
import { randomBelow } from '../util/xorshift.ts';

/** A key in one of a few buckets, so buckets hold several leaves and some empty out again. */
function key(rand: (n: number) => number): string {
  const prefix = ['0000', '0001', 'ffff', '8a3c', '8a3d'][rand(5)]!;
  return prefix + Array.from({ length: 36 }, () => rand(16).toString(16)).join('');
}

const leaf = (s: string): Uint8Array => taggedHash('test-leaf', new TextEncoder().encode(s));

test('golden: the empty tree, and a few leaves in shared and distinct buckets', () => {
  assert.equal(toHex(new StateTree().root()), '770ff1b4c8552716a958802dc6a7e7986c36e4367919506e64da0fa4eb47d211');
  const tree = StateTree.from([
    ['00'.repeat(20), leaf('a')],
    ['0000' + '11'.repeat(18), leaf('b')],
    ['ff'.repeat(20), leaf('c')],
  ]);
  assert.equal(tree.size, 3);
  assert.equal(toHex(tree.root()), 'a4c7d478e5d1d049ae488b597016c6ba13a8518554d721062e5b827045018f0b');
  // Two empty subtrees of equal depth hash alike; the root depends on every bucket's place.
  const swapped = StateTree.from([
    ['00'.repeat(20), leaf('a')],
    ['0000' + '11'.repeat(18), leaf('b')],
    ['fe'.repeat(20), leaf('c')],
  ]);
  assert.notDeepEqual(tree.root(), swapped.root());
});

test('a bucket root is the Merkle root of its leaves sorted by address, whatever the order they came in', () => {
  const keys = ['0001' + 'aa'.repeat(18), '0001' + '00'.repeat(18), '0001' + '7f'.repeat(18)];
  const a = StateTree.from(keys.map((k) => [k, leaf(k)] as const));
  const b = StateTree.from([...keys].reverse().map((k) => [k, leaf(k)] as const));
  assert.deepEqual(a.root(), b.root());
  // The same leaves as one bucket alone: only that bucket differs from the empty tree.
  const sorted = [...keys].sort();
  const single = new StateTree();
  single.apply(new Map(sorted.map((k) => [k, leaf(k)])));
  assert.deepEqual(single.root(), a.root());
  assert.notDeepEqual(merkleRoot(sorted.map(leaf)), a.root());
});

test('previews do not change the tree; committed previews and direct changes match a tree built from scratch', () => {
  const rand = randomBelow(7);
  const live = new Map<string, Uint8Array>();
  const tree = new StateTree();
  for (let round = 0; round < 150; round++) {
    const changes = new Map<string, Uint8Array | null>();
    const existing = [...live.keys()];
    for (let i = 0; i < 1 + rand(30); i++) {
      if (existing.length > 0 && rand(3) === 0) changes.set(existing[rand(existing.length)]!, null);
      else changes.set(key(rand), leaf(`${round}:${i}`));
    }
    const before = tree.root();
    const update = tree.preview(changes);
    assert.deepEqual(tree.root(), before, 'a preview leaves the tree alone');
    if (round % 2 === 0) tree.commit(update);
    else tree.apply(changes);
    for (const [k, v] of changes) {
      if (v === null) live.delete(k);
      else live.set(k, v);
    }
    assert.deepEqual(tree.root(), update.root);
    assert.deepEqual(tree.root(), StateTree.from(live).root(), `round ${round}`);
    assert.equal(tree.size, live.size);
  }
});

test('an update applies only to the tree and version it was computed on', () => {
  const tree = new StateTree();
  const other = new StateTree();
  const k = '12'.repeat(20);
  const update = tree.preview(new Map([[k, leaf('x')]]));
  assert.throws(() => other.commit(update), /another tree or version/);
  tree.apply(new Map([[k, leaf('y')]]));
  assert.throws(() => tree.commit(update), /another tree or version/);
});

test('state keys must be 40 hex digits', () => {
  assert.equal(bucketOf('abcd' + '00'.repeat(18)), 0xabcd);
  assert.throws(() => bucketOf('abcd'), /40 hex digits/);
  assert.throws(() => StateTree.from([['zz'.repeat(20), leaf('z')]]), /40 hex digits/);
});

test('StateCommitment: a block previewed on the parent commitment gives the from-scratch root; undo restores it', () => {
  const rand = randomBelow(11);
  const accounts = new Map<string, Account>();
  const ratings = new Map<string, Rating>();
  for (let i = 0; i < 500; i++) accounts.set(key(rand), { balance: BigInt(1 + rand(1000)), nonce: BigInt(rand(5)) });
  for (let i = 0; i < 50; i++) ratings.set(key(rand), { ...NEW_RATING, mu: 20 + rand(10), contributions: rand(9) });
  const commitment = StateCommitment.fromMaps(accounts, ratings);
  assert.deepEqual(commitment.stateRoot(), computeFullStateRoot(accounts, ratings));
  const ak = [...accounts.keys()];
  const changed = new Map<string, Account>([
    [ak[0]!, { balance: 0n, nonce: 0n }],
    [ak[1]!, { balance: 5n, nonce: 9n }],
    [key(rand), { balance: 1n, nonce: 0n }],
  ]);
  const newRating = key(rand);
  const changedRatings = new Map<string, Rating>([[newRating, NEW_RATING]]);
  const update = commitment.preview(changed, changedRatings);
  assert.deepEqual(update.stateRoot, computeFullStateRoot(mergeAccounts(accounts, changed), mergeRatings(ratings, changedRatings)));
  commitment.commit(update);
  assert.deepEqual(commitment.stateRoot(), update.stateRoot);
  const previous = new Map<string, Account>([...changed.keys()].map((k) => [k, accounts.get(k) ?? { balance: 0n, nonce: 0n }]));
  commitment.apply(previous, new Map([[newRating, null]]));
  assert.deepEqual(commitment.stateRoot(), computeFullStateRoot(accounts, ratings));
});

test('a tree reopened from its bucket roots loads a bucket only when it changes, and stays equal to a full rebuild', () => {
  const rand = randomBelow(23);
  const live = new Map<string, Uint8Array>();
  for (let i = 0; i < 300; i++) live.set(key(rand), leaf(`start ${i}`));
  const full = StateTree.from(live);
  const loaded: number[] = [];
  const byBucket = (b: number): [string, Uint8Array][] => [...live].filter(([k]) => bucketOf(k) === b);
  const reopened = StateTree.fromBucketRoots(full.bucketRoots(), live.size, (b) => {
    loaded.push(b);
    return byBucket(b);
  });
  assert.deepEqual(reopened.root(), full.root());
  assert.deepEqual(loaded, []);
  for (let round = 0; round < 40; round++) {
    const changes = new Map<string, Uint8Array | null>();
    const existing = [...live.keys()];
    for (let i = 0; i < 1 + rand(6); i++) {
      if (rand(3) === 0) changes.set(existing[rand(existing.length)]!, null);
      else changes.set(key(rand), leaf(`${round}:${i}`));
    }
    // The loader reads the state the tree commits to: before the change is applied to it.
    reopened.apply(changes);
    full.apply(changes);
    for (const [k, v] of changes) {
      if (v === null) live.delete(k);
      else live.set(k, v);
    }
    assert.deepEqual(reopened.root(), full.root(), `round ${round}`);
    assert.equal(reopened.size, live.size);
  }
  assert.equal(new Set(loaded).size, loaded.length, 'each bucket is loaded once');
  assert.ok(loaded.length <= 5, `only the touched buckets: ${loaded.length}`);
});
