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
import type { LeafChanges, StateTree, StateTreeUpdate } from './state-tree.ts';

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

  /** Applies changes directly: a disconnect's undo (a null rating is removed). */
  apply(accounts: ReadonlyMap<string, Account>, ratings: ReadonlyMap<string, Rating | null>): void {
    this.#accounts.apply(accountChanges(accounts));
    this.#ratings.apply(ratingChanges(ratings));
  }
}
