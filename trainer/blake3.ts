/**
 * BLAKE3 for the large inputs the protocol hashes every block: the model (482 KB on the testnet)
 * and contribution payloads (up to 128 KiB). hash-wasm's WebAssembly BLAKE3 hashes the model in
 * about 1 ms where @noble/hashes' JavaScript takes 14 ms (docs/dependencies.md); the digests are
 * the same function's, so nothing a header commits to changes. Small inputs (seeds, PRF keys) keep
 * using @noble/hashes. One hasher per thread, instantiated when this module loads; each call runs
 * init → update → digest without yielding, so calls never interleave.
 */
import { createBLAKE3 } from 'hash-wasm';

const hasher = await createBLAKE3();

/** BLAKE3-256 of the concatenation of `parts`, without concatenating them. */
export function blake3Of(...parts: readonly Uint8Array[]): Uint8Array {
  hasher.init();
  for (const part of parts) hasher.update(part);
  return hasher.digest('binary');
}
