/**
 * Block headers: a fixed 240-byte little-endian layout (like Bitcoin's 80 bytes), so a miner writes
 * the nonce in place and hashes without re-encoding, and a header's size never depends on its values.
 *
 *   @0 version u32 | @4 height u32 | @8 parentHash 32 | @40 timestamp u64 | @48 bits u32
 *   @52 nonce u64 | @60 minerAddress 20 | @80 txRoot 32 | @112 contributionsRoot 32
 *   @144 reportRoot 32 | @176 stateRoot 32 | @208 modelHash 32 | = 240
 */
import type { Header } from '../consensus/types.ts';
import { sha256d } from '../consensus/hash.ts';
import { DecodeError } from './errors.ts';

export const HEADER_BYTES = 240;
export const HEADER_NONCE_OFFSET = 52;

const OFFSETS = {
  version: 0,
  height: 4,
  parentHash: 8,
  timestamp: 40,
  bits: 48,
  nonce: HEADER_NONCE_OFFSET,
  minerAddress: 60,
  txRoot: 80,
  contributionsRoot: 112,
  reportRoot: 144,
  stateRoot: 176,
  modelHash: 208,
} as const;

export function encodeHeader(h: Header): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(OFFSETS.version, h.version, true);
  view.setUint32(OFFSETS.height, h.height, true);
  out.set(fixed(h.parentHash, 32, 'parentHash'), OFFSETS.parentHash);
  if (!Number.isSafeInteger(h.timestamp) || h.timestamp < 0) throw new Error('header timestamp must be a safe non-negative integer');
  view.setBigUint64(OFFSETS.timestamp, BigInt(h.timestamp), true);
  view.setUint32(OFFSETS.bits, h.bits, true);
  view.setBigUint64(OFFSETS.nonce, h.nonce, true);
  out.set(fixed(h.minerAddress, 20, 'minerAddress'), OFFSETS.minerAddress);
  out.set(fixed(h.txRoot, 32, 'txRoot'), OFFSETS.txRoot);
  out.set(fixed(h.contributionsRoot, 32, 'contributionsRoot'), OFFSETS.contributionsRoot);
  out.set(fixed(h.reportRoot, 32, 'reportRoot'), OFFSETS.reportRoot);
  out.set(fixed(h.stateRoot, 32, 'stateRoot'), OFFSETS.stateRoot);
  out.set(fixed(h.modelHash, 32, 'modelHash'), OFFSETS.modelHash);
  return out;
}

export function decodeHeader(bytes: Uint8Array): Header {
  if (bytes.length !== HEADER_BYTES) {
    throw new DecodeError(bytes.length > HEADER_BYTES ? 'oversized' : 'malformed', `a header is ${HEADER_BYTES} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const timestamp = view.getBigUint64(OFFSETS.timestamp, true);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError('bad-field', 'header timestamp is beyond 2^53-1 seconds');
  const slice = (at: number, n: number): Uint8Array => bytes.slice(at, at + n);
  return Object.freeze({
    version: view.getUint32(OFFSETS.version, true),
    height: view.getUint32(OFFSETS.height, true),
    parentHash: slice(OFFSETS.parentHash, 32),
    timestamp: Number(timestamp),
    bits: view.getUint32(OFFSETS.bits, true),
    nonce: view.getBigUint64(OFFSETS.nonce, true),
    minerAddress: slice(OFFSETS.minerAddress, 20),
    txRoot: slice(OFFSETS.txRoot, 32),
    contributionsRoot: slice(OFFSETS.contributionsRoot, 32),
    reportRoot: slice(OFFSETS.reportRoot, 32),
    stateRoot: slice(OFFSETS.stateRoot, 32),
    modelHash: slice(OFFSETS.modelHash, 32),
  });
}

/** The block hash: double SHA-256 of the 240 header bytes. */
export function headerHash(h: Header): Uint8Array {
  return sha256d(encodeHeader(h));
}

function fixed(bytes: Uint8Array, n: number, what: string): Uint8Array {
  if (bytes.length !== n) throw new Error(`header ${what} must be ${n} bytes, got ${bytes.length}`);
  return bytes;
}
