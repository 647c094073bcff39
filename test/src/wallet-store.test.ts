import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey } from '../../chain/address.ts';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { writeFileAtomic, TEMP_PREFIX } from '../../src/wallet/atomic-file.ts';
import { WalletError, type WalletErrorCode } from '../../src/wallet/errors.ts';
import { WalletStore, checkWalletName } from '../../src/wallet/wallet-store.ts';

const FAST = { n: 16, r: 8, p: 1 };
const PASSWORD = 'hunter2 hunter2';

function rejectsWith(code: WalletErrorCode, message?: RegExp) {
  return (err: unknown): boolean => err instanceof WalletError && err.code === code && (!message || message.test(err.message));
}

async function withStore(fn: (store: WalletStore, datadir: string) => Promise<void>, prefix = 'gct'): Promise<void> {
  const datadir = await mkdtemp(join(tmpdir(), 'gc-wallets-'));
  try {
    await fn(new WalletStore({ datadir, prefix, scrypt: FAST }), datadir);
  } finally {
    await rm(datadir, { recursive: true, force: true });
  }
}

/** A key whose bytes are all distinct, so that any encoding of it is unmistakable in a file. */
const SECRET = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);

test('create makes a loadable wallet in <datadir>/wallets/<name>.json, private to its owner', () =>
  withStore(async (store, datadir) => {
    assert.equal(await store.exists('default'), false);
    const info = await store.create('default', PASSWORD);
    assert.equal(info.path, join(datadir, 'wallets', 'default.json'));
    assert.match(info.address, /^gct1q[02-9ac-hj-np-z]{38}$/);
    assert.equal(await store.exists('default'), true);
    assert.equal((await stat(info.path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(datadir, 'wallets'))).mode & 0o777, 0o700);
    const unlocked = await store.load('default', PASSWORD);
    assert.equal(unlocked.address, info.address);
    assert.equal(addressFromPublicKey('gct', unlocked.keyPair.publicKey), info.address);
    await assert.rejects(store.load('default', 'wrong'), rejectsWith('wrong-password'));
  }));

test('import keeps the given key; the file never holds the secret in hex, base64 or raw bytes', () =>
  withStore(async (store) => {
    const info = await store.import('imported', SECRET, PASSWORD);
    assert.deepEqual((await store.load('imported', PASSWORD)).keyPair.secretKey, SECRET);
    assert.equal(info.address, addressFromPublicKey('gct', keyPairFromSecret(SECRET).publicKey));
    const bytes = await readFile(info.path);
    const text = bytes.toString('latin1');
    const secret = Buffer.from(SECRET);
    for (const encoding of [
      secret.toString('hex'),
      secret.toString('hex').toUpperCase(),
      secret.toString('base64'),
      secret.toString('base64url'),
      secret.toString('base64').slice(4, 40), // also unaligned runs of the encodings
      secret.toString('hex').slice(10, 50),
    ]) {
      assert.ok(!text.includes(encoding), `keystore contains ${encoding}`);
    }
    assert.equal(bytes.indexOf(secret.subarray(0, 8)), -1, 'keystore contains raw key bytes');
  }));

test('an existing wallet is never overwritten', () =>
  withStore(async (store) => {
    const first = await store.create('default', PASSWORD);
    const before = await readFile(first.path, 'utf8');
    await assert.rejects(store.create('default', PASSWORD), rejectsWith('wallet-exists', /never overwritten/));
    await assert.rejects(store.import('default', SECRET, 'other'), rejectsWith('wallet-exists'));
    assert.equal(await readFile(first.path, 'utf8'), before);
  }));

test('list reports every wallet by name and the unreadable ones apart; temporary files are not wallets', () =>
  withStore(async (store) => {
    assert.deepEqual(await store.list(), { wallets: [], unreadable: [] });
    const b = await store.create('bob', PASSWORD);
    const a = await store.import('alice', SECRET, PASSWORD);
    await writeFile(join(store.dir, 'broken.json'), '{"version": 1');
    await writeFile(join(store.dir, `${TEMP_PREFIX}carol.json-0a0b`), '{}');
    await writeFile(join(store.dir, 'notes.txt'), 'not a wallet');
    const { wallets, unreadable } = await store.list();
    assert.deepEqual(wallets.map((w) => [w.name, w.address]), [['alice', a.address], ['bob', b.address]]);
    assert.deepEqual(unreadable.map((u) => u.name), ['broken']);
    assert.match(unreadable[0]!.reason, /not valid JSON/);
  }));

test('addresses are shown under the store network prefix', () =>
  withStore(async (store, datadir) => {
    const made = await store.import('w', SECRET, PASSWORD);
    const elsewhere = new WalletStore({ datadir, prefix: 'gcx' });
    const info = await elsewhere.info('w');
    assert.match(info.address, /^gcx1/);
    assert.deepEqual(info.publicKey, made.publicKey);
  }));

test('names that could leave the folder or hide are refused', () =>
  withStore(async (store) => {
    for (const name of ['../evil', 'a/b', '.hidden', '', '-flag', '_x', 'a'.repeat(65), 'a b', 'caf\u00e9', 'x\0']) {
      assert.throws(() => checkWalletName(name), rejectsWith('bad-wallet-name'), JSON.stringify(name));
      await assert.rejects(store.create(name, PASSWORD), rejectsWith('bad-wallet-name'));
    }
    for (const name of ['default', 'Alice-2', 'cold.storage', 'a'.repeat(64), 'x_y']) checkWalletName(name);
  }));

test('a missing wallet and a non-keystore file give typed errors', () =>
  withStore(async (store) => {
    await assert.rejects(store.load('nobody', PASSWORD), rejectsWith('wallet-not-found', /no wallet named "nobody".*wallet create/));
    await assert.rejects(store.info('nobody'), rejectsWith('wallet-not-found'));
    await mkdir(store.dir, { recursive: true });
    await writeFile(join(store.dir, 'huge.json'), 'x'.repeat(70_000));
    await assert.rejects(store.info('huge'), rejectsWith('bad-keystore', /too large/));
    await writeFile(join(store.dir, 'other.json'), JSON.stringify({ version: 3, crypto: {} }));
    await assert.rejects(store.info('other'), rejectsWith('bad-keystore', /other\.json: not a valid keystore: version 3/));
  }));

test('atomic writes leave no temporary files, on success and on refusal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-atomic-'));
  try {
    const path = join(dir, 'file.json');
    await writeFileAtomic(path, 'one');
    assert.equal(await readFile(path, 'utf8'), 'one');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await assert.rejects(writeFileAtomic(path, 'two'), (e: NodeJS.ErrnoException) => e.code === 'EEXIST');
    assert.equal(await readFile(path, 'utf8'), 'one');
    await writeFileAtomic(path, 'three', { overwrite: true, mode: 0o640 });
    assert.equal(await readFile(path, 'utf8'), 'three');
    assert.equal((await stat(path)).mode & 0o777, 0o640);
    await assert.rejects(writeFileAtomic(join(dir, 'missing-folder', 'x'), 'y'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    assert.deepEqual(await readdir(dir), ['file.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('wallet creation leaves only the keystore in the folder', () =>
  withStore(async (store) => {
    await store.create('a', PASSWORD);
    await store.import('b', SECRET, PASSWORD);
    await assert.rejects(store.create('a', PASSWORD));
    assert.deepEqual((await readdir(store.dir)).sort(), ['a.json', 'b.json']);
  }));
