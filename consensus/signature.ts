/**
 * Signature validity is a consensus rule, so it is pinned to one definition: strict RFC 8032 /
 * FIPS 186-5 ed25519 (canonical encodings, s < L), as OpenSSL verifies, via @noble/curves.
 */
import { ed25519 } from '@noble/curves/ed25519.js';

export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
