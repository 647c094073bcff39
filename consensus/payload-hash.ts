/**
 * taggedHash("payload", payload): the one digest of a contribution's payload that its signature
 * hash, its id and its work stamp all commit to (and copy groups compare). A payload is up to
 * 128 KiB and BLAKE3 here runs in JavaScript, so hashing it once instead of four or five times
 * per contribution is a fifth of an assume-valid block's time. Remembered per payload array, as
 * bcoin caches a transaction's hash on the object: payloads are never written after they are
 * decoded or signed (a changed payload is a new array).
 */
import { taggedHash } from './hash.ts';

const known = new WeakMap<Uint8Array, Uint8Array>();

export function payloadHash(payload: Uint8Array): Uint8Array {
  let digest = known.get(payload);
  if (digest === undefined) {
    digest = taggedHash('payload', payload);
    known.set(payload, digest);
  }
  return digest;
}
