/**
 * The proof-of-work predicate. A block's hash is the double SHA-256 of its fixed 240-byte header
 * (layout in chain/header.ts); read as a 256-bit big-endian unsigned integer it must not exceed
 * the target that the header's bits encode, and that target must not exceed the network's limit.
 */
import { sha256d } from '../hash.ts';
import { VerifyError } from '../errors.ts';
import { bitsToTarget } from './compact.ts';

export const HEADER_SIZE = 240;
/** The nonce is a u64 little-endian at this offset, so a miner rewrites 8 bytes and rehashes. */
export const NONCE_OFFSET = 52;
export const NONCE_SIZE = 8;
export const TARGET_SIZE = 32;
/** The largest value a target can hold; a network's powLimit is at most this. */
export const MAX_TARGET = (1n << 256n) - 1n;

/** The block hash of serialised header bytes. */
export function powHash(header: Uint8Array): Uint8Array {
  if (header.length !== HEADER_SIZE) {
    throw new RangeError(`a header is ${HEADER_SIZE} bytes, got ${header.length}`);
  }
  return sha256d(header);
}

/** A 32-byte hash as the unsigned integer it stands for (big-endian: byte 0 most significant). */
export function hashToBigInt(hash: Uint8Array): bigint {
  if (hash.length !== TARGET_SIZE) throw new RangeError(`a hash is ${TARGET_SIZE} bytes, got ${hash.length}`);
  let n = 0n;
  for (const byte of hash) n = (n << 8n) | BigInt(byte);
  return n;
}

/** A target as 32 big-endian bytes, the form in which hashes are compared without big integers. */
export function targetToBytes(target: bigint): Uint8Array {
  if (target < 0n || target > MAX_TARGET) throw new RangeError(`target must be in [0, 2^256), got ${target}`);
  const out = new Uint8Array(TARGET_SIZE);
  let v = target;
  for (let i = TARGET_SIZE - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * hash ≤ target, both 32 big-endian bytes. Allocation-free and usually decided by the first byte,
 * which is what a miner's inner loop needs.
 */
export function hashMeetsTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 0; i < TARGET_SIZE; i++) {
    const h = hash[i]!;
    const t = target[i]!;
    if (h !== t) return h < t;
  }
  return true;
}

/**
 * Checks a header's proof of work and returns its target: 'bad-bits' when the bits are invalid or
 * ask for less work than the network's limit allows, 'high-hash' when the hash misses the target.
 */
export function checkProofOfWork(hash: Uint8Array, bits: number, powLimit: bigint): bigint {
  const target = bitsToTarget(bits);
  if (target > powLimit) {
    throw new VerifyError('bad-bits', `target of bits 0x${bits.toString(16).padStart(8, '0')} is above the network's limit`);
  }
  if (hashToBigInt(hash) > target) {
    throw new VerifyError('high-hash', 'block hash does not meet its target');
  }
  return target;
}
