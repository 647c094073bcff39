/** The hash functions of the protocol, in one place so that each use names its purpose. */
import { sha256 } from '@noble/hashes/sha2.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export const HASH_SIZE = 32;

/** Double SHA-256: block hashes and transaction ids, as Bitcoin. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** BLAKE3 with a domain tag, so that hashes of different kinds of object never collide. */
export function taggedHash(tag: string, data: Uint8Array): Uint8Array {
  const h = blake3.create();
  h.update(new TextEncoder().encode(`gradientcoin/${tag}`));
  h.update(new Uint8Array([0]));
  h.update(data);
  return h.digest();
}

export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/** Parses hex of an exact byte length; throws a readable error otherwise. */
export function fromHex(hex: string, length?: number, what = 'hex string'): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`${what} is not hex: ${JSON.stringify(hex.slice(0, 80))}`);
  const bytes = hexToBytes(hex.toLowerCase());
  if (length !== undefined && bytes.length !== length) {
    throw new Error(`${what} must be ${length} bytes (${2 * length} hex digits), got ${bytes.length}`);
  }
  return bytes;
}

export const ZERO_HASH: Uint8Array = new Uint8Array(HASH_SIZE);
