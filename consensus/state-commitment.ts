/**
 * The state root kept up to date between blocks: the accounts tree and the ratings tree of
 * consensus/state-tree.ts for one state (the chain's tip). A block's root is previewed from the
 * entries it changes only, without copying or re-hashing the rest, and committed once the block is
 * stored; a disconnect applies its undo data the same way. Built from full maps once (on open),
 * it must then give what computeFullStateRoot gives for the same maps, block after block.
 */
import type { Account } from './types.ts';
import type { Rating, RatingMap } from './gauntlet/state.ts';
import { accountLeafOf, accountsTree, combineStateRoot, ratingLeafOf, ratingsTree } from './state-root.ts';
import { bucketOf, StateTree, type LeafChanges, type StateTreeUpdate } from './state-tree.ts';

/** Which of the two trees a stored bucket root belongs to. */
export type StateTreeName = 'accounts' | 'ratings';

/** A bucket root to store (null: the bucket is empty, delete it). */
export interface BucketRootChange {
  readonly tree: StateTreeName;
  readonly bucket: number;
  readonly root: Uint8Array | null;
}

/** Stored bucket roots of both trees: what a node reopens its commitment from. */
export interface StoredBucketRoots {
  readonly accounts: ReadonlyMap<number, Uint8Array>;
  readonly ratings: ReadonlyMap<number, Uint8Array>;
}

/** The keys of a map grouped by bucket, for loading a bucket's leaves when it first changes. */
function keysByBucket<T>(map: ReadonlyMap<string, T>, keep: (value: T) => boolean): { byBucket: Map<number, string[]>; size: number } {
  const byBucket = new Map<number, string[]>();
  let size = 0;
  for (const [key, value] of map) {
    if (!keep(value)) continue;
    const b = bucketOf(key);
    const list = byBucket.get(b);
    if (list) list.push(key);
    else byBucket.set(b, [key]);
    size++;
  }
  return { byBucket, size };
}

/** A previewed block's state root and the tree nodes that give it. */
export interface StateCommitmentUpdate {
  readonly stateRoot: Uint8Array;
  readonly accounts: StateTreeUpdate;
  readonly ratings: StateTreeUpdate;
}

function accountChanges(changed: ReadonlyMap<string, Account>): LeafChanges {
  const out = new Map<string, Uint8Array | null>();
  for (const [key, account] of changed) out.set(key, accountLeafOf(key, account));
  return out;
}

function ratingChanges(changed: ReadonlyMap<string, Rating | null>): LeafChanges {
  const out = new Map<string, Uint8Array | null>();
  for (const [key, rating] of changed) out.set(key, rating === null ? null : ratingLeafOf(key, rating));
  return out;
}

export class StateCommitment {
  readonly #accounts: StateTree;
  readonly #ratings: StateTree;

  private constructor(accounts: StateTree, ratings: StateTree) {
    this.#accounts = accounts;
    this.#ratings = ratings;
  }

  /** The commitment of full maps: O(entries), done once per open. */
  static fromMaps(accounts: ReadonlyMap<string, Account>, ratings: RatingMap): StateCommitment {
    return new StateCommitment(accountsTree(accounts), ratingsTree(ratings));
  }

  /**
   * The commitment from stored bucket roots, over the live maps the roots commit to: O(entries)
   * to group keys by bucket, no hashing beyond the 2^16-bucket tree; a bucket's leaves are hashed
   * the first time it changes, from the maps as they are then (unchanged since, for that bucket).
   * The caller checks the root against what it expects (the tip's header).
   */
  static fromStored(roots: StoredBucketRoots, accounts: ReadonlyMap<string, Account>, ratings: RatingMap): StateCommitment {
    const a = keysByBucket(accounts, (account) => account.balance !== 0n || account.nonce !== 0n);
    const r = keysByBucket(ratings, () => true);
    const accountLeaves = (b: number): [string, Uint8Array][] => (a.byBucket.get(b) ?? []).map((k) => [k, accountLeafOf(k, accounts.get(k)!)!]);
    const ratingLeaves = (b: number): [string, Uint8Array][] => (r.byBucket.get(b) ?? []).map((k) => [k, ratingLeafOf(k, ratings.get(k)!)]);
    return new StateCommitment(
      StateTree.fromBucketRoots(roots.accounts, a.size, accountLeaves),
      StateTree.fromBucketRoots(roots.ratings, r.size, ratingLeaves),
    );
  }

  /** Every non-empty bucket's root, per tree (what a store writes for a fresh state). */
  bucketRoots(): StoredBucketRoots {
    return { accounts: this.#accounts.bucketRoots(), ratings: this.#ratings.bucketRoots() };
  }

  stateRoot(): Uint8Array {
    return combineStateRoot(this.#accounts.root(), this.#ratings.root());
  }

  /**
   * The state root after a block's changes (EMPTY accounts are removed; ratings are created or
   * replaced), with what commit() needs; the commitment itself does not change.
   */
  preview(accounts: ReadonlyMap<string, Account>, ratings: RatingMap): StateCommitmentUpdate {
    const a = this.#accounts.preview(accountChanges(accounts));
    const r = this.#ratings.preview(ratingChanges(ratings));
    return { stateRoot: combineStateRoot(a.root, r.root), accounts: a, ratings: r };
  }

  /** Installs a preview made on this commitment as it is now (throws if it moved since). */
  commit(update: StateCommitmentUpdate): void {
    if (!this.#accounts.accepts(update.accounts) || !this.#ratings.accepts(update.ratings)) {
      throw new Error('a state commitment update was computed on another commitment or version');
    }
    this.#accounts.commit(update.accounts);
    this.#ratings.commit(update.ratings);
  }

  /** A preview of a disconnect's undo (a null rating is removed); commit it like a block's. */
  previewUndo(accounts: ReadonlyMap<string, Account>, ratings: ReadonlyMap<string, Rating | null>): StateCommitmentUpdate {
    const a = this.#accounts.preview(accountChanges(accounts));
    const r = this.#ratings.preview(ratingChanges(ratings));
    return { stateRoot: combineStateRoot(a.root, r.root), accounts: a, ratings: r };
  }

  /** Applies changes directly (previewUndo, then commit). */
  apply(accounts: ReadonlyMap<string, Account>, ratings: ReadonlyMap<string, Rating | null>): void {
    this.commit(this.previewUndo(accounts, ratings));
  }
}

/** The bucket roots an update changes, for the store's batch. */
export function bucketRootChanges(update: StateCommitmentUpdate): BucketRootChange[] {
  const out: BucketRootChange[] = [];
  for (const [bucket, root] of StateTree.changedBucketRoots(update.accounts)) out.push({ tree: 'accounts', bucket, root });
  for (const [bucket, root] of StateTree.changedBucketRoots(update.ratings)) out.push({ tree: 'ratings', bucket, root });
  return out;
}
