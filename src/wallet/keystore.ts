/**
 * The encrypted keystore: one ed25519 secret key under a password, as a versioned JSON document in
 * the manner of Ethereum's keystore v3, with AES-256-GCM in place of AES-CTR + MAC.
 *
 * - scrypt turns the password into a 256-bit key. N = 2^17, r = 8, p = 1 by default: 128 MiB and
 *   about half a second per guess on a desktop core, which is what an attacker who steals the file
 *   pays per password tried. Lower N (a light KDF) unlocks faster and is cheaper to brute-force by
 *   the same factor; it is for tests and throwaway testnet wallets only.
 * - AES-256-GCM encrypts the 32-byte secret under a fresh random 96-bit IV. The address and public
 *   key are stored in clear (a wallet can be listed without the password) and authenticated as
 *   associated data, so editing them makes decryption fail just as a wrong password does.
 * - The password is NFKC-normalised before UTF-8 encoding, so that the same characters typed on
 *   different systems give the same key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { addressFromPublicKey } from '../../chain/address.ts';
import { keyPairFromSecret, type KeyPair } from '../../chain/keys.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { WalletError } from './errors.ts';
import { describeError } from '../../trainer/coded-error.ts';

export const KEYSTORE_VERSION = 1;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. Memory used is 128 · n · r bytes. */
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

/** What a new wallet gets: 128 MiB, about 0.5 s per unlock with @noble/hashes on one core. */
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ n: 2 ** 17, r: 8, p: 1 });
/** 32 times cheaper (4 MiB, ~20 ms): for tests and throwaway testnet wallets, as geth's --lightkdf. */
export const LIGHT_SCRYPT: ScryptParams = Object.freeze({ n: 2 ** 12, r: 8, p: 1 });

/**
 * Bounds on a keystore read from disk, so that a hostile file cannot make the wallet allocate
 * unbounded memory or spin for hours: at most 1 GiB of memory and 16 times the default work.
 */
const MAX_SCRYPT_MEMORY = 2 ** 30;
const MAX_SCRYPT_WORK = 16 * DEFAULT_SCRYPT.n * DEFAULT_SCRYPT.r * DEFAULT_SCRYPT.p;

const SECRET_KEY_SIZE = 32;
const PUBLIC_KEY_SIZE = 32;
const SALT_SIZE = 32;
const MIN_SALT_SIZE = 16;
const MAX_SALT_SIZE = 64;
const IV_SIZE = 12;
const TAG_SIZE = 16;
const KEY_SIZE = 32;

export interface KeystoreJson {
  readonly version: typeof KEYSTORE_VERSION;
  readonly address: string;
  readonly publicKey: string; // hex
  readonly crypto: {
    readonly kdf: 'scrypt';
    readonly kdfparams: ScryptParams & { readonly salt: string }; // hex
    readonly cipher: 'aes-256-gcm';
    readonly iv: string; // hex
    readonly ciphertext: string; // hex
    readonly tag: string; // hex
  };
}

export interface EncryptOptions {
  /** The network's address prefix, for the clear-text address. */
  readonly prefix: string;
  readonly scrypt?: ScryptParams;
  /** Source of the salt and IV; only test vectors pass anything but the default. */
  readonly random?: (size: number) => Uint8Array;
}

export async function encryptSecretKey(secretKey: Uint8Array, password: string, opts: EncryptOptions): Promise<KeystoreJson> {
  if (secretKey.length !== SECRET_KEY_SIZE) throw new WalletError('bad-secret-key', `a secret key is ${SECRET_KEY_SIZE} bytes`);
  if (password.length === 0) throw new WalletError('bad-password', 'the password must not be empty');
  const params = opts.scrypt ?? DEFAULT_SCRYPT;
  checkScryptParams(params);
  const random = opts.random ?? ((size: number) => new Uint8Array(randomBytes(size)));
  const { publicKey } = keyPairFromSecret(secretKey);
  const address = addressFromPublicKey(opts.prefix, publicKey);
  const salt = random(SALT_SIZE);
  const iv = random(IV_SIZE);
  const key = await deriveKey(password, salt, params);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE });
  cipher.setAAD(associatedData(address, publicKey));
  const ciphertext = Buffer.concat([cipher.update(secretKey), cipher.final()]);
  key.fill(0);
  return {
    version: KEYSTORE_VERSION,
    address,
    publicKey: toHex(publicKey),
    crypto: {
      kdf: 'scrypt',
      kdfparams: { n: params.n, r: params.r, p: params.p, salt: toHex(salt) },
      cipher: 'aes-256-gcm',
      iv: toHex(iv),
      ciphertext: toHex(ciphertext),
      tag: toHex(cipher.getAuthTag()),
    },
  };
}

/** Decrypts with the password; any mismatch (password, ciphertext, tag, address) is 'wrong-password'. */
export async function decryptKeystore(keystore: KeystoreJson, password: string): Promise<KeyPair> {
  const c = keystore.crypto;
  const publicKey = fromHex(keystore.publicKey, PUBLIC_KEY_SIZE, 'publicKey');
  const key = await deriveKey(password, fromHex(c.kdfparams.salt), c.kdfparams);
  const decipher = createDecipheriv('aes-256-gcm', key, fromHex(c.iv, IV_SIZE, 'iv'), { authTagLength: TAG_SIZE });
  decipher.setAAD(associatedData(keystore.address, publicKey));
  decipher.setAuthTag(fromHex(c.tag, TAG_SIZE, 'tag'));
  let secretKey: Buffer;
  try {
    secretKey = Buffer.concat([decipher.update(fromHex(c.ciphertext, SECRET_KEY_SIZE, 'ciphertext')), decipher.final()]);
  } catch {
    throw new WalletError('wrong-password', 'wrong password (or the keystore is corrupted)');
  } finally {
    key.fill(0);
  }
  const pair = keyPairFromSecret(secretKey);
  secretKey.fill(0);
  // Authenticated, so this can only fail if the file was written by a broken program.
  if (!bytesEqual(pair.publicKey, publicKey)) {
    throw new WalletError('bad-keystore', 'the decrypted secret key does not match the stored public key');
  }
  return pair;
}

/** Validates an untrusted JSON value as a keystore; throws 'bad-keystore' naming the field. */
export function parseKeystore(json: unknown): KeystoreJson {
  const root = object(json, 'keystore');
  if (root['version'] !== KEYSTORE_VERSION) {
    throw bad(`version ${JSON.stringify(root['version'])} is not supported (this program reads version ${KEYSTORE_VERSION})`);
  }
  const address = string(root['address'], 'address');
  const publicKey = hex(root['publicKey'], 'publicKey', PUBLIC_KEY_SIZE, PUBLIC_KEY_SIZE);
  const separator = address.lastIndexOf('1');
  let expected: string | undefined;
  try {
    expected = separator > 0 ? addressFromPublicKey(address.slice(0, separator), fromHex(publicKey)) : undefined;
  } catch {
    expected = undefined;
  }
  if (expected !== address) throw bad(`address ${JSON.stringify(address)} is not the address of the stored public key`);
  const c = object(root['crypto'], 'crypto');
  if (c['kdf'] !== 'scrypt') throw bad(`crypto.kdf ${JSON.stringify(c['kdf'])} is not supported (only scrypt)`);
  if (c['cipher'] !== 'aes-256-gcm') throw bad(`crypto.cipher ${JSON.stringify(c['cipher'])} is not supported (only aes-256-gcm)`);
  const k = object(c['kdfparams'], 'crypto.kdfparams');
  const params = { n: integer(k['n'], 'crypto.kdfparams.n'), r: integer(k['r'], 'crypto.kdfparams.r'), p: integer(k['p'], 'crypto.kdfparams.p') };
  try {
    checkScryptParams(params);
  } catch (err) {
    throw bad(`crypto.kdfparams: ${describeError(err)}`);
  }
  return {
    version: KEYSTORE_VERSION,
    address,
    publicKey,
    crypto: {
      kdf: 'scrypt',
      kdfparams: { ...params, salt: hex(k['salt'], 'crypto.kdfparams.salt', MIN_SALT_SIZE, MAX_SALT_SIZE) },
      cipher: 'aes-256-gcm',
      iv: hex(c['iv'], 'crypto.iv', IV_SIZE, IV_SIZE),
      ciphertext: hex(c['ciphertext'], 'crypto.ciphertext', SECRET_KEY_SIZE, SECRET_KEY_SIZE),
      tag: hex(c['tag'], 'crypto.tag', TAG_SIZE, TAG_SIZE),
    },
  };
}

/** The file's text: stable field order, two-space indent, final newline. */
export function serializeKeystore(keystore: KeystoreJson): string {
  return `${JSON.stringify(keystore, null, 2)}\n`;
}

export function checkScryptParams(params: ScryptParams): void {
  const { n, r, p } = params;
  if (!Number.isSafeInteger(n) || n < 2 || n > 2 ** 30 || (n & (n - 1)) !== 0) {
    throw new WalletError('bad-keystore', `scrypt n must be a power of two from 2 to 2^30, got ${n}`);
  }
  if (!Number.isSafeInteger(r) || r < 1 || !Number.isSafeInteger(p) || p < 1) {
    throw new WalletError('bad-keystore', `scrypt r and p must be positive integers, got r = ${r}, p = ${p}`);
  }
  if (128 * n * r > MAX_SCRYPT_MEMORY) throw new WalletError('bad-keystore', `scrypt would need ${128 * n * r} bytes of memory, the limit is ${MAX_SCRYPT_MEMORY}`);
  if (n * r * p > MAX_SCRYPT_WORK) throw new WalletError('bad-keystore', `scrypt work n·r·p = ${n * r * p} exceeds the limit ${MAX_SCRYPT_WORK}`);
}

async function deriveKey(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const secret = new TextEncoder().encode(password.normalize('NFKC'));
  try {
    // Our own bound on n · r was checked; noble's counts p + 1 scratch blocks on top of it.
    const maxmem = 128 * params.r * (params.n + params.p + 1);
    return await scryptAsync(secret, salt, { N: params.n, r: params.r, p: params.p, dkLen: KEY_SIZE, maxmem });
  } finally {
    secret.fill(0);
  }
}

function associatedData(address: string, publicKey: Uint8Array): Uint8Array {
  return new TextEncoder().encode(`gradientcoin-keystore/v${KEYSTORE_VERSION}\n${address}\n${toHex(publicKey)}`);
}

function bad(reason: string): WalletError {
  return new WalletError('bad-keystore', `not a valid keystore: ${reason}`);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${field} must be an object`);
  return value as Record<string, unknown>;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw bad(`${field} must be a string`);
  return value;
}

function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(`${field} must be an integer`);
  return value;
}

function hex(value: unknown, field: string, minBytes: number, maxBytes: number): string {
  const text = string(value, field);
  if (!/^[0-9a-f]*$/.test(text) || text.length % 2 !== 0) throw bad(`${field} must be lower-case hex`);
  const size = text.length / 2;
  if (size < minBytes || size > maxBytes) {
    throw bad(minBytes === maxBytes ? `${field} must be ${minBytes} bytes, got ${size}` : `${field} must be ${minBytes} to ${maxBytes} bytes, got ${size}`);
  }
  return text;
}
