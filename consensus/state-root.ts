/**
 * The state root committed in every header: accounts and contributor ratings, each committed by
 * the bucketed Merkle tree of consensus/state-tree.ts, joined under one tag. Fixed-width leaf
 * encodings (address ‖ balance u64 ‖ nonce u64; address ‖ three float64 ‖ two u64 for a rating)
 * keep the rule independent of any wire format. The functions here compute a root from scratch
 * (the reference); consensus/state-commitment.ts keeps the trees between blocks.
 */
import { taggedHash, toHex } from './hash.ts';
import { merkleLeaf } from './merkle.ts';
import { StateTree } from './state-tree.ts';
import { concat, u64be } from './sighash.ts';
import type { Account } from './types.ts';
import type { Rating } from './gauntlet/state.ts';

export function accountLeaf(address: Uint8Array, account: Account): Uint8Array {
  return merkleLeaf(concat([new TextEncoder().encode('account'), address, u64be(account.balance), u64be(account.nonce)]));
}

/** Root over accounts, in any order; they must contain no empty account and no address twice. */
export function accountsRoot(entries: readonly (readonly [Uint8Array, Account])[]): Uint8Array {
  return StateTree.from(entries.map(([address, account]) => [toHex(address), accountLeaf(address, account)] as const)).root();
}

export function combineStateRoot(accounts: Uint8Array, ratings: Uint8Array): Uint8Array {
  return taggedHash('state', concat([accounts, ratings]));
}

/** Byte order of addresses, for sorting state entries. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function f64be(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, value, false);
  return out;
}

/** merkleLeaf("rating" ‖ address ‖ mu f64be ‖ sigma f64be ‖ binaryMA f64be ‖ contributions u64be ‖ rewards u64be). */
export function ratingLeaf(address: Uint8Array, rating: Rating): Uint8Array {
  return merkleLeaf(
    concat([
      new TextEncoder().encode('rating'),
      address,
      f64be(rating.mu),
      f64be(rating.sigma),
      f64be(rating.binaryMA),
      u64be(BigInt(rating.contributions)),
      u64be(rating.rewards),
    ]),
  );
}

/** Root over ratings, in any order, no address twice. */
export function ratingsRoot(entries: readonly (readonly [Uint8Array, Rating])[]): Uint8Array {
  return StateTree.from(entries.map(([address, rating]) => [toHex(address), ratingLeaf(address, rating)] as const)).root();
}

/** Address bytes of a state key (lowercase hex of 20 bytes). */
export function keyAddress(key: string): Uint8Array {
  if (key.length !== 40) throw new RangeError(`a state key is 40 hex digits, got ${key.length}`);
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) {
    const byte = Number.parseInt(key.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(byte)) throw new RangeError(`state key ${JSON.stringify(key)} is not hex`);
    out[i] = byte;
  }
  return out;
}

/** An account's leaf as the tree holds it: null for an empty account, which is not in the state. */
export function accountLeafOf(key: string, account: Account): Uint8Array | null {
  return account.balance === 0n && account.nonce === 0n ? null : accountLeaf(keyAddress(key), account);
}

export function ratingLeafOf(key: string, rating: Rating): Uint8Array {
  return ratingLeaf(keyAddress(key), rating);
}

/** The accounts tree of a full map (empty accounts left out). */
export function accountsTree(accounts: ReadonlyMap<string, Account>): StateTree {
  const leaves: [string, Uint8Array][] = [];
  for (const [key, account] of accounts) {
    const leaf = accountLeafOf(key, account);
    if (leaf) leaves.push([key, leaf]);
  }
  return StateTree.from(leaves);
}

export function ratingsTree(ratings: ReadonlyMap<string, Rating>): StateTree {
  return StateTree.from([...ratings].map(([key, rating]) => [key, ratingLeafOf(key, rating)] as const));
}

/**
 * The state root of full account and rating maps (keyed by lowercase address hex), from scratch.
 * Accounts with zero balance and zero nonce are not part of the state; every rating is.
 */
export function computeFullStateRoot(accounts: ReadonlyMap<string, Account>, ratings: ReadonlyMap<string, Rating>): Uint8Array {
  return combineStateRoot(accountsTree(accounts).root(), ratingsTree(ratings).root());
}
