/**
 * Wallets on disk: one keystore per wallet in <datadir>/wallets/<name>.json, the folder readable by
 * its owner only. Nothing is ever overwritten: a new wallet under a taken name is refused, since
 * replacing a keystore can destroy the only copy of a key that holds coin.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { addressFromPublicKey } from '../../chain/address.ts';
import { generateKeyPair, type KeyPair } from '../../chain/keys.ts';
import { fromHex } from '../../consensus/hash.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { WalletError } from './errors.ts';
import { decryptKeystore, encryptSecretKey, parseKeystore, serializeKeystore, type KeystoreJson, type ScryptParams } from './keystore.ts';
import { describeError } from '../../trainer/coded-error.ts';

export const WALLETS_FOLDER = 'wallets';
export const DEFAULT_WALLET = 'default';
const KEYSTORE_SUFFIX = '.json';
/** A keystore is about 600 bytes; anything far larger is not one, and is not read into memory. */
const MAX_KEYSTORE_BYTES = 64 * 1024;
/** Portable file names that cannot leave the folder or hide (a leading dot marks temporary files). */
const WALLET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface WalletInfo {
  readonly name: string;
  /** The address on this store's network (the keystore's own prefix may differ). */
  readonly address: string;
  readonly publicKey: Uint8Array;
  readonly path: string;
}

export interface UnlockedWallet extends WalletInfo {
  readonly keyPair: KeyPair;
}

export interface WalletListing {
  readonly wallets: readonly WalletInfo[];
  /** Files in the folder that are not readable keystores, with the reason. */
  readonly unreadable: readonly { readonly name: string; readonly reason: string }[];
}

export interface WalletStoreOptions {
  readonly datadir: string;
  /** The network's address prefix. */
  readonly prefix: string;
  /** KDF parameters for new keystores (default: keystore.ts DEFAULT_SCRYPT). */
  readonly scrypt?: ScryptParams;
}

export function checkWalletName(name: string): void {
  if (!WALLET_NAME.test(name)) {
    throw new WalletError(
      'bad-wallet-name',
      `wallet name ${JSON.stringify(name)} is not allowed: use 1 to 64 letters, digits, '_', '-' or '.', not starting with '.', '_' or '-'`,
    );
  }
}

export class WalletStore {
  readonly dir: string;
  readonly prefix: string;
  readonly #scrypt: ScryptParams | undefined;

  constructor(opts: WalletStoreOptions) {
    this.dir = join(opts.datadir, WALLETS_FOLDER);
    this.prefix = opts.prefix;
    this.#scrypt = opts.scrypt;
  }

  pathOf(name: string): string {
    checkWalletName(name);
    return join(this.dir, `${name}${KEYSTORE_SUFFIX}`);
  }

  async exists(name: string): Promise<boolean> {
    try {
      await stat(this.pathOf(name));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** A new wallet with a fresh random key. */
  async create(name: string, password: string): Promise<WalletInfo> {
    const pair = generateKeyPair();
    try {
      return await this.import(name, pair.secretKey, password);
    } finally {
      pair.secretKey.fill(0);
    }
  }

  /** A new wallet holding an existing secret key. */
  async import(name: string, secretKey: Uint8Array, password: string): Promise<WalletInfo> {
    const path = this.pathOf(name);
    // Checked first too, so that nobody waits for the KDF only to be refused.
    if (await this.exists(name)) throw exists(name, path);
    const keystore = await encryptSecretKey(secretKey, password, {
      prefix: this.prefix,
      ...(this.#scrypt ? { scrypt: this.#scrypt } : {}),
    });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    try {
      await writeFileAtomic(path, serializeKeystore(keystore), { mode: 0o600, overwrite: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw exists(name, path);
      throw err;
    }
    return this.#info(name, path, keystore);
  }

  /** The wallet's public details; no password needed. */
  async info(name: string): Promise<WalletInfo> {
    const path = this.pathOf(name);
    return this.#info(name, path, await this.#read(name, path));
  }

  /** Decrypts the wallet's key. */
  async load(name: string, password: string): Promise<UnlockedWallet> {
    const path = this.pathOf(name);
    const keystore = await this.#read(name, path);
    const keyPair = await decryptKeystore(keystore, password);
    return { ...this.#info(name, path, keystore), keyPair };
  }

  /** Every wallet in the folder, by name; an absent folder is an empty list. */
  async list(): Promise<WalletListing> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { wallets: [], unreadable: [] };
      throw err;
    }
    const names = files
      .filter((f) => f.endsWith(KEYSTORE_SUFFIX))
      .map((f) => f.slice(0, -KEYSTORE_SUFFIX.length))
      .filter((n) => WALLET_NAME.test(n))
      .sort();
    const wallets: WalletInfo[] = [];
    const unreadable: { name: string; reason: string }[] = [];
    for (const name of names) {
      try {
        wallets.push(await this.info(name));
      } catch (err) {
        unreadable.push({ name, reason: describeError(err) });
      }
    }
    return { wallets, unreadable };
  }

  #info(name: string, path: string, keystore: KeystoreJson): WalletInfo {
    const publicKey = fromHex(keystore.publicKey);
    return Object.freeze({ name, address: addressFromPublicKey(this.prefix, publicKey), publicKey, path });
  }

  async #read(name: string, path: string): Promise<KeystoreJson> {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new WalletError('wallet-not-found', `no wallet named "${name}" (looked for ${path}); create one with \`gradientcoin wallet create\``);
      }
      throw err;
    }
    if (size > MAX_KEYSTORE_BYTES) throw new WalletError('bad-keystore', `${path} is ${size} bytes, too large to be a keystore`);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      if (err instanceof SyntaxError) throw new WalletError('bad-keystore', `${path} is not valid JSON`);
      throw err;
    }
    try {
      return parseKeystore(json);
    } catch (err) {
      if (err instanceof WalletError) throw new WalletError(err.code, `${path}: ${err.reason}`);
      throw err;
    }
  }
}

function exists(name: string, path: string): WalletError {
  return new WalletError('wallet-exists', `a wallet named "${name}" already exists (${path}); it is never overwritten`);
}
