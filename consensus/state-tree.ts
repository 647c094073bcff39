/**
 * An updatable Merkle commitment to a keyed set of leaves (accounts, ratings): what makes a block's
 * state-root cost grow with the entries it changes, not with how many exist.
 *
 * Shape (a consensus rule):
 *   - 2^16 buckets by the first two bytes of the 20-byte address (keys are its lowercase hex);
 *   - a bucket's root is the RFC 6962 Merkle root (consensus/merkle.ts) of its leaf hashes sorted
 *     by address, merkleRoot([]) for an empty bucket;
 *   - a complete binary tree of depth 16 over the bucket roots in bucket order, inner nodes
 *     taggedHash("state-node", left ‖ right); its top is the root.
 * Addresses are hashes, so buckets fill evenly: at a million entries a bucket holds about 15, and
 * one changed entry costs re-hashing its bucket (≈ 15 leaves) and 16 inner nodes.
 *
 * The tree keeps its inner nodes in memory, and the leaf hashes of every bucket it has touched.
 * `preview` computes the root after a set of changes without changing the tree (validation is
 * pure); `commit` installs a preview's nodes once its block is stored, and `apply` changes the
 * tree directly. A tree may start from stored bucket roots (`fromBucketRoots`): a bucket's leaves
 * are then loaded, from the state they commit to, the first time the bucket changes.
 */
import { taggedHash } from './hash.ts';
import { merkleRoot } from './merkle.ts';

export const BUCKET_BITS = 16;
const BUCKETS = 1 << BUCKET_BITS;
const NODE_TAG = 'state-node';

/** A leaf's new hash, or null to remove the key. */
export type LeafChanges = ReadonlyMap<string, Uint8Array | null>;

/** The bucket of a key: the first two address bytes. */
export function bucketOf(key: string): number {
  const bucket = Number.parseInt(key.slice(0, 4), 16);
  if (key.length !== 40 || !Number.isInteger(bucket)) throw new RangeError(`a state key is 40 hex digits, got ${JSON.stringify(key.slice(0, 48))}`);
  return bucket;
}

function innerNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  const both = new Uint8Array(64);
  both.set(left, 0);
  both.set(right, 32);
  return taggedHash(NODE_TAG, both);
}

const EMPTY_BUCKET = merkleRoot([]);
/** EMPTY_AT[d]: the node at depth d of a tree with every bucket empty (d = 16: a bucket). */
const EMPTY_AT: readonly Uint8Array[] = (() => {
  const out: Uint8Array[] = new Array<Uint8Array>(BUCKET_BITS + 1);
  out[BUCKET_BITS] = EMPTY_BUCKET;
  for (let d = BUCKET_BITS - 1; d >= 0; d--) out[d] = innerNode(out[d + 1]!, out[d + 1]!);
  return out;
})();

function bucketRoot(leaves: ReadonlyMap<string, Uint8Array> | undefined): Uint8Array {
  if (!leaves || leaves.size === 0) return EMPTY_BUCKET;
  const keys = [...leaves.keys()].sort();
  return merkleRoot(keys.map((key) => leaves.get(key)!));
}

/** The leaves of one bucket, as the state holds them now (for a bucket not touched since load). */
export type BucketLoader = (bucket: number) => Iterable<readonly [string, Uint8Array]>;

/** What a preview computed: the new buckets and nodes, valid for the tree version it read. */
export interface StateTreeUpdate {
  readonly root: Uint8Array;
  /** The tree and version it was computed on: it applies to nothing else. */
  readonly tree: StateTree;
  readonly version: number;
  readonly buckets: ReadonlyMap<number, Map<string, Uint8Array>>;
  /** Heap index (1 = root, 2^16 + b = bucket b) → node. */
  readonly nodes: ReadonlyMap<number, Uint8Array>;
}

export class StateTree {
  readonly #buckets: (Map<string, Uint8Array> | undefined)[] = new Array<Map<string, Uint8Array> | undefined>(BUCKETS);
  /** Heap layout: node i has children 2i and 2i + 1; buckets' roots at BUCKETS + b. */
  readonly #nodes: Uint8Array[] = new Array<Uint8Array>(2 * BUCKETS);
  /** Buckets whose root is known but whose leaves are not loaded yet. */
  readonly #unloaded = new Set<number>();
  #loader: BucketLoader | null = null;
  #size = 0;
  #version = 0;

  constructor() {
    for (let d = 0; d <= BUCKET_BITS; d++) this.#nodes.fill(EMPTY_AT[d]!, 1 << d, 1 << (d + 1));
  }

  /** A tree over `leaves` (key → leaf hash), in any order. */
  static from(leaves: Iterable<readonly [string, Uint8Array]>): StateTree {
    const tree = new StateTree();
    const touched = new Set<number>();
    for (const [key, leaf] of leaves) touched.add(tree.#put(key, leaf));
    tree.#rehash(touched, (b) => bucketRoot(tree.#buckets[b]));
    return tree;
  }

  /**
   * A tree from stored bucket roots (bucket → root; absent buckets are empty) holding `size`
   * leaves; `loader` gives a bucket's leaves the first time it changes. O(buckets given).
   */
  static fromBucketRoots(roots: ReadonlyMap<number, Uint8Array>, size: number, loader: BucketLoader): StateTree {
    const tree = new StateTree();
    tree.#loader = loader;
    tree.#size = size;
    const touched = new Set<number>();
    for (const b of roots.keys()) {
      if (!Number.isInteger(b) || b < 0 || b >= BUCKETS) throw new RangeError(`bucket ${b} is not in [0, ${BUCKETS})`);
      tree.#unloaded.add(b);
      touched.add(b);
    }
    tree.#rehash(touched, (b) => roots.get(b)!);
    return tree;
  }

  get size(): number {
    return this.#size;
  }

  /** The root of every non-empty bucket (what a store keeps). */
  bucketRoots(): Map<number, Uint8Array> {
    const out = new Map<number, Uint8Array>();
    for (let b = 0; b < BUCKETS; b++) {
      const root = this.#nodes[BUCKETS + b]!;
      if (root !== EMPTY_BUCKET) out.set(b, root);
    }
    return out;
  }

  /** A bucket's leaves, loading them if the tree started from stored roots. */
  #leaves(b: number): ReadonlyMap<string, Uint8Array> | undefined {
    if (this.#unloaded.has(b)) {
      const leaves = new Map(this.#loader!(b));
      this.#unloaded.delete(b);
      this.#buckets[b] = leaves.size > 0 ? leaves : undefined;
    }
    return this.#buckets[b];
  }

  root(): Uint8Array {
    return this.#nodes[1]!;
  }

  /** The root after `changes`, and the nodes that give it; the tree is not modified. */
  preview(changes: LeafChanges): StateTreeUpdate {
    const buckets = new Map<number, Map<string, Uint8Array>>();
    for (const [key, leaf] of changes) {
      const b = bucketOf(key);
      let bucket = buckets.get(b);
      if (!bucket) buckets.set(b, (bucket = new Map(this.#leaves(b) ?? [])));
      if (leaf === null) bucket.delete(key);
      else bucket.set(key, leaf);
    }
    const nodes = new Map<number, Uint8Array>();
    let level = new Set<number>();
    for (const [b, bucket] of buckets) {
      nodes.set(BUCKETS + b, bucketRoot(bucket));
      level.add((BUCKETS + b) >> 1);
    }
    const at = (i: number): Uint8Array => nodes.get(i) ?? this.#nodes[i]!;
    while (level.size > 0) {
      const next = new Set<number>();
      for (const i of level) {
        nodes.set(i, innerNode(at(2 * i), at(2 * i + 1)));
        if (i > 1) next.add(i >> 1);
      }
      level = next;
    }
    return { root: at(1), tree: this, version: this.#version, buckets, nodes };
  }

  /** The bucket roots an update changes: null where the bucket becomes empty. */
  static changedBucketRoots(update: StateTreeUpdate): Map<number, Uint8Array | null> {
    const out = new Map<number, Uint8Array | null>();
    for (const [b, bucket] of update.buckets) out.set(b, bucket.size > 0 ? update.nodes.get(BUCKETS + b)! : null);
    return out;
  }

  /** Whether `update` was computed on this tree as it is now. */
  accepts(update: StateTreeUpdate): boolean {
    return update.tree === this && update.version === this.#version;
  }

  /** Installs a preview computed on this tree as it is now; throws if the tree changed since. */
  commit(update: StateTreeUpdate): void {
    if (!this.accepts(update)) throw new Error('a state tree update was computed on another tree or version');
    for (const [b, bucket] of update.buckets) {
      this.#size += bucket.size - (this.#leaves(b)?.size ?? 0);
      this.#buckets[b] = bucket.size > 0 ? bucket : undefined;
    }
    for (const [i, node] of update.nodes) this.#nodes[i] = node;
    this.#version++;
  }

  /** Applies changes directly (preview then commit). */
  apply(changes: LeafChanges): void {
    this.commit(this.preview(changes));
  }

  #put(key: string, leaf: Uint8Array): number {
    const b = bucketOf(key);
    let bucket = this.#buckets[b];
    if (!bucket) this.#buckets[b] = bucket = new Map();
    if (!bucket.has(key)) this.#size++;
    bucket.set(key, leaf);
    return b;
  }

  /** Sets the touched buckets' roots and recomputes their ancestors in place. */
  #rehash(touched: ReadonlySet<number>, rootOf: (b: number) => Uint8Array): void {
    let level = new Set<number>();
    for (const b of touched) {
      this.#nodes[BUCKETS + b] = rootOf(b);
      level.add((BUCKETS + b) >> 1);
    }
    while (level.size > 0) {
      const next = new Set<number>();
      for (const i of level) {
        this.#nodes[i] = innerNode(this.#nodes[2 * i]!, this.#nodes[2 * i + 1]!);
        if (i > 1) next.add(i >> 1);
      }
      level = next;
    }
    this.#version++;
  }
}
