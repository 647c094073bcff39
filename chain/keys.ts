/** ed25519 key pairs for wallets, miners and contributors. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from 'node:crypto';

export interface KeyPair {
  readonly secretKey: Uint8Array; // 32-byte seed
  readonly publicKey: Uint8Array; // 32
}

export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  if (secretKey.length !== 32) throw new Error('an ed25519 secret key is 32 bytes');
  return Object.freeze({ secretKey: new Uint8Array(secretKey), publicKey: ed25519.getPublicKey(secretKey) });
}

export function generateKeyPair(): KeyPair {
  return keyPairFromSecret(new Uint8Array(randomBytes(32)));
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}
