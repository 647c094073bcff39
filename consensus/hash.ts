/** The hash functions of the protocol, in one place so that each use names its purpose. */
import { sha256 } from '@noble/hashes/sha2.js';
import { blake3Of } from '../trainer/blake3.ts';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export const HASH_SIZE = 32;

/** Double SHA-256: block hashes and transaction ids, as Bitcoin. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

const TAGS = new Map<string, Uint8Array>();

/** `gradientcoin/<tag>` ‖ 0x00, encoded once per tag. */
function tagBytes(tag: string): Uint8Array {
  let bytes = TAGS.get(tag);
  if (bytes === undefined) {
    const text = new TextEncoder().encode(`gradientcoin/${tag}`);
    bytes = new Uint8Array(text.length + 1);
    bytes.set(text);
    TAGS.set(tag, bytes);
  }
  return bytes;
}

/** BLAKE3 with a domain tag, so that hashes of different kinds of object never collide. */
export function taggedHash(tag: string, data: Uint8Array): Uint8Array {
  return blake3Of(tagBytes(tag), data);
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
