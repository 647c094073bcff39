/**
 * The small ChainDB records, in canonical msgpack: the version record, accounts, undo data and
 * invalid markers. Account keys in memory are lowercase hex of the 20-byte address, as
 * consensus/state-transition.ts's AccountMap; on disk the key is the raw address.
 */
import type { Account } from '../../consensus/types.ts';
import type { VerifyCode } from '../../consensus/errors.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { compareBytes } from '../../consensus/state-root.ts';
import { decode, encode } from '../encoding.ts';
import { DecodeError } from '../errors.ts';
import { readArray, readBytes, readList, readU32, readU64 } from '../fields.ts';

/** Bumped whenever a record or key changes meaning; a datadir of another version is refused. */
export const DB_VERSION = 1;
const DB_MAGIC = 'gradientcoin-chaindb';

const MAX_ACCOUNT_BYTES = 64;
const MAX_INVALID_BYTES = 4096;
/** An undo record holds at most two accounts per transfer plus the miner's. */
const MAX_UNDO_ACCOUNTS = 2 * 100_000 + 1;

export function encodeVersion(version: number = DB_VERSION): Uint8Array {
  return encode([DB_MAGIC, version]);
}

/** The version a V record holds; throws DecodeError if it is not a ChainDB version record. */
export function decodeVersion(bytes: Uint8Array): number {
  const f = readArray(decode(bytes, 64, 'version record'), 2, 'version record');
  if (f[0] !== DB_MAGIC) throw new DecodeError('bad-field', 'version record has the wrong magic');
  return readU32(f[1], 'version');
}

export function encodeAccount(account: Account): Uint8Array {
  return encode([account.balance, account.nonce]);
}

export function decodeAccount(bytes: Uint8Array): Account {
  const f = readArray(decode(bytes, MAX_ACCOUNT_BYTES, 'account'), 2, 'account');
  return Object.freeze({ balance: readU64(f[0], 'account.balance'), nonce: readU64(f[1], 'account.nonce') });
}

export function isEmptyAccount(account: Account): boolean {
  return account.balance === 0n && account.nonce === 0n;
}

/**
 * Undo data of a block: the accounts it changed as they were before it, EMPTY for those that did
 * not exist. Sorted by address, so the bytes are a function of the block.
 */
export function encodeUndo(previous: ReadonlyMap<string, Account>): Uint8Array {
  const rows = [...previous].map(([key, account]) => [fromHex(key, 20, 'account key'), account] as const);
  rows.sort((x, y) => compareBytes(x[0], y[0]));
  return encode(rows.map(([address, account]) => [address, account.balance, account.nonce]));
}

export function decodeUndo(bytes: Uint8Array): Map<string, Account> {
  const rows = readList(decode(bytes, Number.MAX_SAFE_INTEGER, 'undo record'), MAX_UNDO_ACCOUNTS, 'undo record');
  const out = new Map<string, Account>();
  rows.forEach((row, i) => {
    const f = readArray(row, 3, `undo[${i}]`);
    const address = readBytes(f[0], `undo[${i}].address`, 20);
    out.set(toHex(address), Object.freeze({ balance: readU64(f[1], `undo[${i}].balance`), nonce: readU64(f[2], `undo[${i}].nonce`) }));
  });
  return out;
}

/** Why a block is invalid: its own failure, or 'invalid-ancestor' for its descendants. */
export interface InvalidRecord {
  readonly code: VerifyCode;
  readonly reason: string;
}

export function encodeInvalid(record: InvalidRecord): Uint8Array {
  return encode([record.code, record.reason.slice(0, 1024)]);
}

export function decodeInvalid(bytes: Uint8Array): InvalidRecord {
  const f = readArray(decode(bytes, MAX_INVALID_BYTES, 'invalid record'), 2, 'invalid record');
  if (typeof f[0] !== 'string' || typeof f[1] !== 'string') throw new DecodeError('bad-field', 'invalid record fields must be strings');
  // The code is stored by this software and only read back for messages; it is not re-validated.
  return Object.freeze({ code: f[0] as VerifyCode, reason: f[1] });
}
