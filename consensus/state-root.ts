/**
 * The state root committed in every header: accounts and contributor ratings, each a Merkle tree
 * over its entries sorted by address, joined under one tag. Fixed-width leaf encodings
 * (address ‖ balance u64 ‖ nonce u64) keep the rule independent of any wire format.
 */
import { taggedHash } from './hash.ts';
import { merkleLeaf, merkleRoot } from './merkle.ts';
import { concat, u64be } from './sighash.ts';
import type { Account } from './types.ts';

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
