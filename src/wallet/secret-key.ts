/**
 * A secret key to import: 64 hex digits, read from a file or standard input (piped, or typed at a
 * hidden prompt), never from the command line. Errors never quote the input, which may be a key.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ReadStream } from 'node:tty';
import { fromHex } from '../../consensus/hash.ts';
import { WalletError } from './errors.ts';
import { promptHidden } from './prompt.ts';

const SECRET_KEY_HEX = /^(?:0x)?([0-9a-fA-F]{64})$/;
/** More than a key with some whitespace is a wrong file, not a key; it is not read further. */
const MAX_SECRET_TEXT_BYTES = 4096;

/** 64 hex digits, optionally 0x-prefixed, surrounding whitespace ignored. */
export function parseSecretKeyHex(text: string): Uint8Array {
  const match = SECRET_KEY_HEX.exec(text.trim());
  if (!match) {
    const digits = text.trim().length;
    throw new WalletError('bad-secret-key', `a secret key is 64 hex digits (32 bytes); the input has ${digits} characters that are not such a key`);
  }
  return fromHex(match[1]!.toLowerCase(), 32, 'secret key');
}

export interface SecretKeySource {
  readonly secretFile?: string;
  /** Default: process.stdin. */
  readonly input?: ReadStream | NodeJS.ReadableStream;
  /** Where a prompt is written (default: process.stderr). */
  readonly output?: NodeJS.WritableStream;
}

export async function readSecretKey(source: SecretKeySource = {}): Promise<Uint8Array> {
  if (source.secretFile !== undefined) return parseSecretKeyHex(await readSecretFile(source.secretFile));
  const input = source.input ?? process.stdin;
  if ((input as Partial<ReadStream>).isTTY === true) {
    const typed = await promptHidden('Secret key (64 hex digits): ', { input: input as ReadStream, output: source.output ?? process.stderr });
    return parseSecretKeyHex(typed);
  }
  return parseSecretKeyHex(await readAll(input));
}

async function readSecretFile(path: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_SECRET_TEXT_BYTES) throw new WalletError('bad-secret-key', `${path} is ${size} bytes, too large to hold one secret key`);
    return await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof WalletError) throw err;
    throw new WalletError('bad-secret-key', `cannot read the secret key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > MAX_SECRET_TEXT_BYTES) throw new WalletError('bad-secret-key', 'standard input is too large to hold one secret key');
    chunks.push(bytes);
  }
  if (size === 0) {
    throw new WalletError('bad-secret-key', 'no secret key on standard input: pipe it in, or pass --secret-file PATH');
  }
  return Buffer.concat(chunks).toString('utf8');
}
