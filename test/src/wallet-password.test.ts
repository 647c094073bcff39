import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { WalletError, type WalletErrorCode } from '../../src/wallet/errors.ts';
import { PASSWORD_ENV, readPassword, readPasswordFile } from '../../src/wallet/password.ts';
import { editLine, type LineState } from '../../src/wallet/prompt.ts';
import { parseSecretKeyHex, readSecretKey } from '../../src/wallet/secret-key.ts';

function rejectsWith(code: WalletErrorCode, message?: RegExp) {
  return (err: unknown): boolean => err instanceof WalletError && err.code === code && (!message || message.test(err.message));
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-password-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Not a terminal: piped input, as in scripts and CI. */
const piped = (): Readable => Readable.from([]);

test('the password file wins over the environment; only its first line counts', () =>
  withDir(async (dir) => {
    const file = join(dir, 'pw');
    await writeFile(file, 'first line pw\nsecond line\n');
    const got = await readPassword({ passwordFile: file, env: { [PASSWORD_ENV]: 'from env' }, input: piped() });
    assert.deepEqual(got, { password: 'first line pw', source: 'file' });
    await writeFile(file, 'windows\r\n');
    assert.equal(await readPasswordFile(file), 'windows');
    await writeFile(file, ' spaces are kept ');
    assert.equal(await readPasswordFile(file), ' spaces are kept ');
  }));

test('a password file that is missing, empty or huge is refused with a reason', () =>
  withDir(async (dir) => {
    await assert.rejects(readPasswordFile(join(dir, 'absent')), rejectsWith('no-password', /cannot read the password file .*absent: ENOENT/));
    await writeFile(join(dir, 'empty'), '\nsecond');
    await assert.rejects(readPasswordFile(join(dir, 'empty')), rejectsWith('bad-password', /first line .* is empty/));
    await writeFile(join(dir, 'big'), 'x'.repeat(5000));
    await assert.rejects(readPasswordFile(join(dir, 'big')), rejectsWith('bad-password', /holds one line/));
  }));

test('GC_WALLET_PASSWORD is used when there is no file; an empty one is an error', async () => {
  assert.deepEqual(await readPassword({ env: { [PASSWORD_ENV]: 'hunter2' }, input: piped() }), { password: 'hunter2', source: 'env' });
  await assert.rejects(readPassword({ env: { [PASSWORD_ENV]: '' }, input: piped() }), rejectsWith('bad-password', /set but empty/));
});

test('with no file, no variable and no terminal, the error says how to pass a password', async () => {
  await assert.rejects(
    readPassword({ env: {}, input: piped(), confirm: true }),
    rejectsWith('no-password', /--password-file PATH .* GC_WALLET_PASSWORD/),
  );
});

function typed(...chunks: string[]): LineState {
  return chunks.reduce<LineState>((state, chunk) => editLine(state, chunk), { text: '' });
}

test('the hidden prompt line editor: enter, backspace, Ctrl-U, Ctrl-C, Ctrl-D, escape sequences', () => {
  assert.deepEqual(typed('pass', 'word\r'), { text: 'password', end: 'enter' });
  assert.deepEqual(typed('abc\n'), { text: 'abc', end: 'enter' });
  assert.deepEqual(typed('abcd\u007f\u007fx\r'), { text: 'abx', end: 'enter' });
  assert.deepEqual(typed('\u007f\bok\r'), { text: 'ok', end: 'enter' });
  assert.deepEqual(typed('caf\u00e9\u{1f511}\u007f\r'), { text: 'caf\u00e9', end: 'enter' }); // deletes a whole code point
  assert.deepEqual(typed('wrong\u0015right\r'), { text: 'right', end: 'enter' });
  assert.deepEqual(typed('secret\u0003'), { text: '', end: 'cancel' });
  assert.deepEqual(typed('\u0004'), { text: '', end: 'cancel' });
  assert.deepEqual(typed('abc\u0004'), { text: 'abc', end: 'enter' });
  assert.deepEqual(typed('a\u001b[D\u001b[3~b\u001bOAc\r'), { text: 'abc', end: 'enter' }); // arrows, Delete
  assert.deepEqual(typed('a\tb\u0007\r'), { text: 'ab', end: 'enter' });
  // A paste that runs past Enter: the rest is not part of the line, and later input is ignored.
  assert.deepEqual(typed('line\rnext', 'more\r'), { text: 'line', end: 'enter' });
  assert.deepEqual(typed('no end yet'), { text: 'no end yet' });
});

test('property: printable text followed by Enter is read back unchanged', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s)), (s) => {
      assert.deepEqual(typed(s, '\r'), { text: s, end: 'enter' });
    }),
  );
});

const KEY_HEX = '0707070707070707070707070707070707070707070707070707070707070707';

test('a secret key is 64 hex digits, with an optional 0x and surrounding whitespace', () => {
  assert.deepEqual(parseSecretKeyHex(KEY_HEX), new Uint8Array(32).fill(7));
  assert.deepEqual(parseSecretKeyHex(`  0x${KEY_HEX.toUpperCase()}\n`), new Uint8Array(32).fill(7));
  for (const bad of ['', KEY_HEX.slice(2), `${KEY_HEX}00`, `${KEY_HEX.slice(1)}g`, `${KEY_HEX} ${KEY_HEX}`]) {
    assert.throws(() => parseSecretKeyHex(bad), rejectsWith('bad-secret-key'));
  }
});

test('an error about a bad secret key never repeats the input', () => {
  const almost = `${KEY_HEX.slice(0, 63)}z`;
  try {
    parseSecretKeyHex(almost);
    assert.fail('should have thrown');
  } catch (err) {
    assert.ok(err instanceof WalletError);
    assert.ok(!err.message.includes(almost.slice(0, 16)), err.message);
  }
});

test('the secret key is read from a file or from piped standard input', () =>
  withDir(async (dir) => {
    const file = join(dir, 'key');
    await writeFile(file, `${KEY_HEX}\n`);
    assert.deepEqual(await readSecretKey({ secretFile: file }), new Uint8Array(32).fill(7));
    assert.deepEqual(await readSecretKey({ input: Readable.from([Buffer.from(KEY_HEX.slice(0, 10)), Buffer.from(`${KEY_HEX.slice(10)}\n`)]) }), new Uint8Array(32).fill(7));
    await assert.rejects(readSecretKey({ input: piped() }), rejectsWith('bad-secret-key', /no secret key on standard input/));
    await assert.rejects(readSecretKey({ input: Readable.from([Buffer.alloc(5000, 0x30)]) }), rejectsWith('bad-secret-key', /too large/));
    await assert.rejects(readSecretKey({ secretFile: join(dir, 'absent') }), rejectsWith('bad-secret-key', /ENOENT/));
  }));
