/**
 * A chain entry: one node of the block tree. Every block that passed the header and body rules is
 * stored with its entry, on the main chain or not; the entry carries what fork choice needs
 * without reading the block: cumulative work and the first-seen sequence number that breaks ties.
 *
 * Stored as canonical msgpack [header (240 bytes), chainwork (big-endian, no leading zero byte),
 * status flags, sequence] under e[hash]; the hash is the key, never recomputed on load.
 */
import type { Header } from '../../consensus/types.ts';
import { decode, encode } from '../encoding.ts';
import { DecodeError } from '../errors.ts';
import { readArray, readBytes, readU32 } from '../fields.ts';
import { decodeHeader, encodeHeader, HEADER_BYTES } from '../header.ts';

/** Status flags. A stored entry always passed the header and body rules. */
export const ENTRY_FLAGS = {
  /** Its state transition was applied: it is or was on the main chain. */
  VALID: 1,
  /** It or an ancestor broke a rule; never chosen again. */
  INVALID: 2,
  /** Its body is stored under b[hash]. */
  HAS_BLOCK: 4,
} as const;

const KNOWN_FLAGS = ENTRY_FLAGS.VALID | ENTRY_FLAGS.INVALID | ENTRY_FLAGS.HAS_BLOCK;
/** Cumulative work above 2^320 would take longer than the universe has existed; refuse it. */
const MAX_CHAINWORK_BYTES = 40;
const MAX_ENTRY_BYTES = 512;

export interface ChainEntry {
  readonly hash: Uint8Array;
  readonly header: Header;
  readonly height: number;
  /** Sum of the work of this block and all its ancestors, genesis included. */
  readonly chainwork: bigint;
  readonly status: number;
  /** Order of first arrival, persisted: the earlier of two equal-work tips wins, across restarts. */
  readonly sequence: number;
}

export function makeEntry(hash: Uint8Array, header: Header, chainwork: bigint, status: number, sequence: number): ChainEntry {
  return Object.freeze({ hash, header, height: header.height, chainwork, status, sequence });
}

export function withStatus(entry: ChainEntry, set: number, clear = 0): ChainEntry {
  return makeEntry(entry.hash, entry.header, entry.chainwork, (entry.status | set) & ~clear, entry.sequence);
}

export function hasFlag(entry: ChainEntry, flag: number): boolean {
  return (entry.status & flag) !== 0;
}

/**
 * Fork choice as a total order: more work first, then the earlier sequence. Positive when `a` is
 * the better tip. Sequence numbers are unique, so two distinct entries never compare equal.
 */
export function compareEntries(a: ChainEntry, b: ChainEntry): number {
  if (a.chainwork !== b.chainwork) return a.chainwork > b.chainwork ? 1 : -1;
  return b.sequence - a.sequence;
}

export function encodeEntry(entry: ChainEntry): Uint8Array {
  return encode([encodeHeader(entry.header), bigintToBytes(entry.chainwork), entry.status, entry.sequence]);
}

/** Throws DecodeError on bytes that are not an entry record. */
export function decodeEntry(hash: Uint8Array, bytes: Uint8Array): ChainEntry {
  const f = readArray(decode(bytes, MAX_ENTRY_BYTES, 'chain entry'), 4, 'chain entry');
  const header = decodeHeader(readBytes(f[0], 'entry.header', HEADER_BYTES));
  const chainwork = bytesToBigint(readBytes(f[1], 'entry.chainwork', undefined, MAX_CHAINWORK_BYTES), 'entry.chainwork');
  const status = readU32(f[2], 'entry.status');
  if ((status & ~KNOWN_FLAGS) !== 0) throw new DecodeError('bad-field', `entry status ${status} has unknown flags`);
  const sequence = readU32(f[3], 'entry.sequence');
  return makeEntry(new Uint8Array(hash), header, chainwork, status, sequence);
}

/** Minimal big-endian bytes of a non-negative bigint (0 → empty). */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('chainwork must not be negative');
  const hex = value === 0n ? '' : value.toString(16);
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  const out = new Uint8Array(even.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(even.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToBigint(bytes: Uint8Array, what: string): bigint {
  if (bytes.length > 0 && bytes[0] === 0) throw new DecodeError('non-canonical', `${what} has a leading zero byte`);
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}
