import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { addressFromPublicKey } from '../../chain/address.ts';
import { toHex } from '../../consensus/hash.ts';
import { WalletError, type WalletErrorCode } from '../../src/wallet/errors.ts';
import {
  DEFAULT_SCRYPT,
  decryptKeystore,
  encryptSecretKey,
  parseKeystore,
  serializeKeystore,
  type KeystoreJson,
} from '../../src/wallet/keystore.ts';

/** Cheap KDF parameters: these tests are about the format, not the work factor. */
const FAST = { n: 16, r: 8, p: 1 };
const SECRET = new Uint8Array(32).fill(7);
const PASSWORD = 'correct horse battery staple';

function counterRandom(): (size: number) => Uint8Array {
  let counter = 0;
  return (size) => Uint8Array.from({ length: size }, () => counter++ & 0xff);
}

const GOLDEN = {
  version: 1,
  address: 'gct1qrtry2v3rvxgdneajj9yw77dvfmjfnqglraeuq4',
  publicKey: 'ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c',
  crypto: {
    kdf: 'scrypt',
    kdfparams: { n: 16, r: 8, p: 1, salt: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' },
    cipher: 'aes-256-gcm',
    iv: '202122232425262728292a2b',
    ciphertext: 'f6a7ff7202d6000bf90dbe48be9640c265c6fa8cfc877dd8eb08c4237a82601a',
    tag: '1c600c3dbc04bf165c1b4db65f0f705b',
  },
};

function rejectsWith(code: WalletErrorCode, message?: RegExp) {
  return (err: unknown): boolean => err instanceof WalletError && err.code === code && (!message || message.test(err.reason));
}

/** A deep copy with one field replaced: path like ['crypto', 'tag']. */
function edited(keystore: unknown, path: readonly string[], value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(keystore)) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

/** Flips the last hex digit. */
function flipHex(hex: string): string {
  return hex.slice(0, -1) + (hex.at(-1) === '0' ? '1' : '0');
}

test('golden vector: fixed key, password, salt and IV give exactly this keystore', async () => {
  const keystore = await encryptSecretKey(SECRET, PASSWORD, { prefix: 'gct', scrypt: FAST, random: counterRandom() });
  assert.deepEqual(keystore, GOLDEN);
  assert.equal(serializeKeystore(keystore), `${JSON.stringify(GOLDEN, null, 2)}\n`);
  assert.equal(keystore.publicKey, toHex(keyPairFromSecret(SECRET).publicKey));
});

test('the format is decryptable by the documented recipe with an independent scrypt (node:crypto)', () => {
  const c = GOLDEN.crypto;
  const key = scryptSync(Buffer.from(PASSWORD.normalize('NFKC'), 'utf8'), Buffer.from(c.kdfparams.salt, 'hex'), 32, {
    N: c.kdfparams.n,
    r: c.kdfparams.r,
    p: c.kdfparams.p,
  });
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(c.iv, 'hex'));
  decipher.setAAD(Buffer.from(`gradientcoin-keystore/v1\n${GOLDEN.address}\n${GOLDEN.publicKey}`, 'utf8'));
  decipher.setAuthTag(Buffer.from(c.tag, 'hex'));
  const secret = Buffer.concat([decipher.update(Buffer.from(c.ciphertext, 'hex')), decipher.final()]);
  assert.deepEqual(new Uint8Array(secret), SECRET);
});

test('round trip: encrypt then decrypt gives the key pair back; new keystores use fresh salt and IV', async () => {
  const a = await encryptSecretKey(SECRET, PASSWORD, { prefix: 'gct', scrypt: FAST });
  const b = await encryptSecretKey(SECRET, PASSWORD, { prefix: 'gct', scrypt: FAST });
  assert.notEqual(a.crypto.kdfparams.salt, b.crypto.kdfparams.salt);
  assert.notEqual(a.crypto.iv, b.crypto.iv);
  assert.notEqual(a.crypto.ciphertext, b.crypto.ciphertext);
  const pair = await decryptKeystore(parseKeystore(JSON.parse(serializeKeystore(a))), PASSWORD);
  assert.deepEqual(pair.secretKey, SECRET);
  assert.deepEqual(pair.publicKey, keyPairFromSecret(SECRET).publicKey);
  assert.equal(a.address, addressFromPublicKey('gct', pair.publicKey));
});

test('the default KDF is scrypt N = 2^17, r = 8, p = 1', () => {
  assert.deepEqual({ ...DEFAULT_SCRYPT }, { n: 131072, r: 8, p: 1 });
});

test('passwords are NFKC-normalised: composed and decomposed accents unlock the same keystore', async () => {
  const keystore = await encryptSecretKey(SECRET, 'caf\u00e9', { prefix: 'gct', scrypt: FAST });
  assert.deepEqual((await decryptKeystore(keystore, 'cafe\u0301')).secretKey, SECRET);
});

test('a wrong password fails with the typed error', async () => {
  const keystore = parseKeystore(GOLDEN);
  await assert.rejects(decryptKeystore(keystore, 'correct horse battery stapl'), rejectsWith('wrong-password', /^wrong password \(or the keystore is corrupted\)$/));
  await assert.rejects(decryptKeystore(keystore, ''), rejectsWith('wrong-password'));
  await assert.rejects(encryptSecretKey(SECRET, '', { prefix: 'gct', scrypt: FAST }), rejectsWith('bad-password'));
});

test('tampering with the ciphertext, tag, IV, salt or KDF cost fails decryption', async () => {
  const c = GOLDEN.crypto;
  const tampered = [
    edited(GOLDEN, ['crypto', 'ciphertext'], flipHex(c.ciphertext)),
    edited(GOLDEN, ['crypto', 'tag'], flipHex(c.tag)),
    edited(GOLDEN, ['crypto', 'iv'], flipHex(c.iv)),
    edited(GOLDEN, ['crypto', 'kdfparams', 'salt'], flipHex(c.kdfparams.salt)),
    edited(GOLDEN, ['crypto', 'kdfparams', 'n'], 32),
    edited(GOLDEN, ['crypto', 'kdfparams', 'r'], 4),
  ];
  for (const t of tampered) await assert.rejects(decryptKeystore(parseKeystore(t), PASSWORD), rejectsWith('wrong-password'));
});

test('the address and public key are authenticated: substituting another key pair fails decryption', async () => {
  const other = keyPairFromSecret(new Uint8Array(32).fill(9));
  // Consistent with each other, so it passes parsing; only the associated data catches it.
  const swapped = parseKeystore({ ...GOLDEN, address: addressFromPublicKey('gct', other.publicKey), publicKey: toHex(other.publicKey) });
  await assert.rejects(decryptKeystore(swapped, PASSWORD), rejectsWith('wrong-password'));
  // Same key, other network prefix: the address text is authenticated too.
  const renamed = parseKeystore({ ...GOLDEN, address: addressFromPublicKey('gcx', fromHexBytes(GOLDEN.publicKey)) });
  await assert.rejects(decryptKeystore(renamed, PASSWORD), rejectsWith('wrong-password'));
  // An address that is not the public key's is refused before any KDF work.
  assert.throws(() => parseKeystore({ ...GOLDEN, address: addressFromPublicKey('gct', other.publicKey) }), rejectsWith('bad-keystore', /address/));
});

test('parsing names the field that is wrong', () => {
  const cases: [unknown, RegExp][] = [
    [null, /keystore must be an object/],
    [[], /keystore must be an object/],
    [{ ...GOLDEN, version: 2 }, /version 2 is not supported/],
    [{ ...GOLDEN, address: 7 }, /address must be a string/],
    [{ ...GOLDEN, address: 'not-an-address' }, /address/],
    [{ ...GOLDEN, publicKey: GOLDEN.publicKey.toUpperCase() }, /publicKey must be lower-case hex/],
    [{ ...GOLDEN, publicKey: GOLDEN.publicKey.slice(2) }, /publicKey must be 32 bytes, got 31/],
    [edited(GOLDEN, ['crypto', 'kdf'], 'pbkdf2'), /crypto.kdf "pbkdf2" is not supported/],
    [edited(GOLDEN, ['crypto', 'cipher'], 'aes-128-ctr'), /crypto.cipher "aes-128-ctr" is not supported/],
    [edited(GOLDEN, ['crypto', 'iv'], '00'), /crypto.iv must be 12 bytes, got 1/],
    [edited(GOLDEN, ['crypto', 'tag'], 'zz'.repeat(16)), /crypto.tag must be lower-case hex/],
    [edited(GOLDEN, ['crypto', 'ciphertext'], '00'.repeat(33)), /crypto.ciphertext must be 32 bytes, got 33/],
    [edited(GOLDEN, ['crypto', 'kdfparams', 'salt'], '00'.repeat(8)), /salt must be 16 to 64 bytes, got 8/],
    [edited(GOLDEN, ['crypto', 'kdfparams', 'n'], 1000), /power of two/],
    [edited(GOLDEN, ['crypto', 'kdfparams', 'n'], 1.5), /n must be an integer/],
    [edited(GOLDEN, ['crypto', 'kdfparams', 'p'], 0), /r and p must be positive/],
  ];
  for (const [json, reason] of cases) assert.throws(() => parseKeystore(json), rejectsWith('bad-keystore', reason), String(reason));
});

test('a hostile keystore cannot demand unbounded scrypt memory or work', () => {
  assert.throws(() => parseKeystore(edited(GOLDEN, ['crypto', 'kdfparams', 'n'], 2 ** 30)), rejectsWith('bad-keystore', /memory/));
  assert.throws(() => parseKeystore(edited(GOLDEN, ['crypto', 'kdfparams', 'p'], 2 ** 20)), rejectsWith('bad-keystore', /work/));
  assert.throws(() => parseKeystore(edited(GOLDEN, ['crypto', 'kdfparams', 'r'], 2 ** 40)), rejectsWith('bad-keystore', /memory/));
});

test('property: any edit of any field either parses and then fails to decrypt, or is refused; nothing else is thrown', async () => {
  const paths = [
    ['version'],
    ['address'],
    ['publicKey'],
    ['crypto'],
    ['crypto', 'kdf'],
    ['crypto', 'kdfparams'],
    ['crypto', 'kdfparams', 'n'],
    ['crypto', 'kdfparams', 'r'],
    ['crypto', 'kdfparams', 'p'],
    ['crypto', 'kdfparams', 'salt'],
    ['crypto', 'cipher'],
    ['crypto', 'iv'],
    ['crypto', 'ciphertext'],
    ['crypto', 'tag'],
  ];
  const value = fc.oneof(
    fc.jsonValue(),
    fc.integer(),
    fc.uint8Array({ minLength: 0, maxLength: 40 }).map((b) => toHex(b)),
    fc.constantFrom(2, 4, 16, 64, 2 ** 20),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...paths), value, async (path, v) => {
      const json = edited(GOLDEN, path, v);
      let keystore: KeystoreJson;
      try {
        keystore = parseKeystore(json);
      } catch (err) {
        assert.ok(err instanceof WalletError && err.code === 'bad-keystore', String(err));
        return;
      }
      if (JSON.stringify(keystore) === JSON.stringify(GOLDEN)) return; // the edit changed nothing
      if (keystore.crypto.kdfparams.n * keystore.crypto.kdfparams.r * keystore.crypto.kdfparams.p > 2 ** 12) return; // valid but slow
      await assert.rejects(decryptKeystore(keystore, PASSWORD), rejectsWith('wrong-password'));
    }),
    { numRuns: 300 },
  );
});

test('property: random JSON is refused with the typed error, never a crash', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (json) => {
      assert.throws(() => parseKeystore(json), rejectsWith('bad-keystore'));
    }),
    { numRuns: 500 },
  );
});

function fromHexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
