/** An address is the first 20 bytes of a tagged BLAKE3 of the ed25519 public key. */
import { taggedHash } from './hash.ts';

export const ADDRESS_SIZE = 20;

export function addressHash(publicKey: Uint8Array): Uint8Array {
  return taggedHash('address', publicKey).slice(0, ADDRESS_SIZE);
}
