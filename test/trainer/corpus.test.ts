import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusContentHash, joinDocuments, normalizeDocument } from '../../trainer/corpus.ts';
import { loadTextFolderCorpus } from '../../trainer/io/corpus-loader.ts';
import { isTrainerError } from '../../trainer/errors.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

test('corpusContentHash is tagged BLAKE3, pinned', () => {
  // BLAKE3("gradientcoin/corpus" ‖ 0x00 ‖ bytes): the same shape as consensus' tagged hashes.
  assert.equal(corpusContentHash(utf8('hello')), 'ad13dd89c6693ecfaad335a73421872c742fcbfb793e0c144c9caa39bdefa31e');
  assert.equal(corpusContentHash(new Uint8Array(0)), '5c1ac83fc9e94d0c5a6bae625da0579fe8619f82a731679148959cd484880acd');
  assert.notEqual(corpusContentHash(utf8('hello ')), corpusContentHash(utf8('hello')));
});

test('joinDocuments joins with a blank line, skips empty documents, refuses an empty corpus', () => {
  assert.equal(text(joinDocuments(['one', '', 'two'])), 'one\n\ntwo');
  assert.throws(() => joinDocuments(['', '']), (e: unknown) => isTrainerError(e, 'corpus-empty'));
  assert.deepEqual(joinDocuments(['é']), new Uint8Array([0xc3, 0xa9]));
});

test('normalizeDocument strips a BOM, unifies line ends and trims', () => {
  assert.equal(normalizeDocument('\uFEFF  a\r\nb\rc\n\n'), 'a\nb\nc');
});

test('loadTextFolderCorpus reads .txt files in name order and reports clear errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-corpus-'));
  try {
    await assert.rejects(loadTextFolderCorpus(join(dir, 'missing')), (e: unknown) => isTrainerError(e, 'corpus-missing'));
    await assert.rejects(loadTextFolderCorpus(dir), (e: unknown) => isTrainerError(e, 'corpus-empty') && /no \.txt files/.test(e.reason));
    await writeFile(join(dir, 'b.txt'), 'second\r\n');
    await writeFile(join(dir, 'Z.txt'), 'capital sorts first');
    await writeFile(join(dir, 'a.TXT'), '  first  ');
    await writeFile(join(dir, 'notes.md'), 'ignored');
    await mkdir(join(dir, 'sub.txt'));
    const bytes = await loadTextFolderCorpus(dir);
    assert.equal(text(bytes), 'capital sorts first\n\nfirst\n\nsecond');
    await writeFile(join(dir, 'c.txt'), new Uint8Array([0x66, 0xff, 0x66]));
    await assert.rejects(loadTextFolderCorpus(dir), (e: unknown) => isTrainerError(e, 'corpus-encoding') && /c\.txt/.test(e.reason));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadTextFolderCorpus refuses a folder of empty files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-corpus-'));
  try {
    await writeFile(join(dir, 'a.txt'), ' \n ');
    await assert.rejects(loadTextFolderCorpus(dir), (e: unknown) => isTrainerError(e, 'corpus-empty') && /all empty/.test(e.reason));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
