/**
 * The small ChainDB records, in canonical msgpack: the version record, accounts, ratings, undo
 * data and invalid markers. Account and rating keys in memory are lowercase hex of the 20-byte
 * address, as consensus' AccountMap and RatingMap; on disk the key is the raw address.
 */
import type { Account } from '../../consensus/types.ts';
import type { VerifyCode } from '../../consensus/errors.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { compareBytes } from '../../consensus/state-root.ts';
import { decode, encode, type Encodable } from '../encoding.ts';
import { DecodeError } from '../errors.ts';
import { readArray, readBytes, readList, readU32, readU64 } from '../fields.ts';
import { decodeModelUndo, encodeModelUndo, type ModelUndo } from '../model-undo.ts';

/**
 * Bumped whenever a record or key changes meaning; a datadir of another version is refused.
 * 2: the model (M), ratings (r) and undo records that carry ratings and the model.
 * 3: state roots over the bucketed state tree (consensus/state-tree.ts): a tip stored by version 2
 *    no longer matches the root its own header commits to.
 */
export const DB_VERSION = 3;
const DB_MAGIC = 'gradientcoin-chaindb';

const MAX_ACCOUNT_BYTES = 64;
const MAX_RATING_BYTES = 64;
const MAX_INVALID_BYTES = 4096;
/** An undo record holds at most two accounts per transfer plus the miner's and the contributors'. */
const MAX_UNDO_ACCOUNTS = 2 * 100_000 + 1 + 10_000;
const MAX_UNDO_RATINGS = 10_000;

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
 * A contributor's rating: [mu ‖ sigma ‖ binaryMA as three float64 big-endian (24 bytes), the
 * number of blocks it was scored in, the base units it was paid]. The floats travel as raw bits
 * so that the stored state hashes exactly as the one in memory (−0 included).
 */
function ratingToValue(rating: Rating): Encodable {
  const floats = new Uint8Array(24);
  const view = new DataView(floats.buffer);
  view.setFloat64(0, rating.mu, false);
  view.setFloat64(8, rating.sigma, false);
  view.setFloat64(16, rating.binaryMA, false);
  return [floats, rating.contributions, rating.rewards];
}

function ratingFromValue(value: unknown, what: string): Rating {
  const f = readArray(value, 3, what);
  const floats = readBytes(f[0], `${what}.floats`, 24);
  const view = new DataView(floats.buffer, floats.byteOffset, 24);
  const mu = view.getFloat64(0, false);
  const sigma = view.getFloat64(8, false);
  const binaryMA = view.getFloat64(16, false);
  if (![mu, sigma, binaryMA].every(Number.isFinite)) throw new DecodeError('bad-field', `${what} holds a non-finite value`);
  return Object.freeze({ mu, sigma, binaryMA, contributions: readU32(f[1], `${what}.contributions`), rewards: readU64(f[2], `${what}.rewards`) });
}

export function encodeRating(rating: Rating): Uint8Array {
  return encode(ratingToValue(rating));
}

export function decodeRating(bytes: Uint8Array): Rating {
  return ratingFromValue(decode(bytes, MAX_RATING_BYTES, 'rating'), 'rating');
}

/**
 * Undo data of a block: what connecting it changed, as it was before. Accounts EMPTY and ratings
 * null where the block created them; the model as (index, previous value) pairs (model-undo.ts).
 */
export interface BlockUndo {
  readonly accounts: ReadonlyMap<string, Account>;
  readonly ratings: ReadonlyMap<string, Rating | null>;
  readonly model: ModelUndo;
}

function sortedRows<T>(map: ReadonlyMap<string, T>, what: string): (readonly [Uint8Array, T])[] {
  const rows = [...map].map(([key, value]) => [fromHex(key, 20, what), value] as const);
  return rows.sort((x, y) => compareBytes(x[0], y[0]));
}

/**
 * [[[address, balance, nonce]…], [[address, rating | nil]…], model pairs (bin)], each list sorted
 * by address, so the bytes are a function of the block and its parent state.
 */
export function encodeUndo(undo: BlockUndo): Uint8Array {
  const accounts = sortedRows(undo.accounts, 'account key').map(([address, a]) => [address, a.balance, a.nonce]);
  const ratings = sortedRows(undo.ratings, 'rating key').map(([address, r]) => [address, r === null ? null : ratingToValue(r)]);
  return encode([accounts, ratings, encodeModelUndo(undo.model)]);
}

export function decodeUndo(bytes: Uint8Array): BlockUndo {
  const f = readArray(decode(bytes, Number.MAX_SAFE_INTEGER, 'undo record'), 3, 'undo record');
  const accounts = new Map<string, Account>();
  readList(f[0], MAX_UNDO_ACCOUNTS, 'undo accounts').forEach((row, i) => {
    const r = readArray(row, 3, `undo.accounts[${i}]`);
    const address = readBytes(r[0], `undo.accounts[${i}].address`, 20);
    accounts.set(toHex(address), Object.freeze({ balance: readU64(r[1], `undo.accounts[${i}].balance`), nonce: readU64(r[2], `undo.accounts[${i}].nonce`) }));
  });
  const ratings = new Map<string, Rating | null>();
  readList(f[1], MAX_UNDO_RATINGS, 'undo ratings').forEach((row, i) => {
    const r = readArray(row, 2, `undo.ratings[${i}]`);
    const address = readBytes(r[0], `undo.ratings[${i}].address`, 20);
    ratings.set(toHex(address), r[1] === null ? null : ratingFromValue(r[1], `undo.ratings[${i}].rating`));
  });
  const model = decodeModelUndo(readBytes(f[2], 'undo.model'));
  return Object.freeze({ accounts, ratings, model });
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
