/**
 * The state root committed in every header: accounts and contributor ratings, each a Merkle tree
 * over its entries sorted by address, joined under one tag. Fixed-width leaf encodings
 * (address ‖ balance u64 ‖ nonce u64; address ‖ three float64 ‖ two u64 for a rating) keep the
 * rule independent of any wire format.
 */
import { fromHex, taggedHash } from './hash.ts';
import { merkleLeaf, merkleRoot } from './merkle.ts';
import { concat, u64be } from './sighash.ts';
import type { Account } from './types.ts';
import type { Rating } from './gauntlet/state.ts';

export function accountLeaf(address: Uint8Array, account: Account): Uint8Array {
  return merkleLeaf(concat([new TextEncoder().encode('account'), address, u64be(account.balance), u64be(account.nonce)]));
}

/** Root over accounts; entries must be sorted by address bytes and contain no empty accounts. */
export function accountsRoot(sorted: readonly (readonly [Uint8Array, Account])[]): Uint8Array {
  return merkleRoot(sorted.map(([address, account]) => accountLeaf(address, account)));
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

/** Root over ratings; entries must be sorted by address bytes. */
export function ratingsRoot(sorted: readonly (readonly [Uint8Array, Rating])[]): Uint8Array {
  return merkleRoot(sorted.map(([address, rating]) => ratingLeaf(address, rating)));
}

/** Entries of a map keyed by lowercase address hex, sorted by address (hex order is byte order). */
function sortedEntries<T>(map: ReadonlyMap<string, T>, keep: (value: T) => boolean): (readonly [Uint8Array, T])[] {
  return [...map.keys()]
    .sort()
    .map((key) => [key, map.get(key)!] as const)
    .filter(([, value]) => keep(value))
    .map(([key, value]) => [fromHex(key, 20, 'state key'), value] as const);
}

/**
 * The state root of full account and rating maps (keyed by lowercase address hex). Accounts with
 * zero balance and zero nonce are not part of the state; every rating is.
 */
export function computeFullStateRoot(accounts: ReadonlyMap<string, Account>, ratings: ReadonlyMap<string, Rating>): Uint8Array {
  const accountEntries = sortedEntries(accounts, (a) => a.balance !== 0n || a.nonce !== 0n);
  return combineStateRoot(accountsRoot(accountEntries), ratingsRoot(sortedEntries(ratings, () => true)));
}
