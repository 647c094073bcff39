/**
 * Where the wallet's password comes from, in order: a file named by --password-file (for scripts
 * and services; only its first line counts, as geth's), the GC_WALLET_PASSWORD environment variable
 * (for tests and containers; visible to the same user's processes, so a file is better), or a hidden
 * prompt when a person is at a terminal. Never a command-line argument: those land in shell history
 * and in every user's view of the process list.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ReadStream } from 'node:tty';
import { WalletError } from './errors.ts';
import { promptHidden } from './prompt.ts';

export const PASSWORD_ENV = 'GC_WALLET_PASSWORD';
/** A password file is small; a large one is a wrong path (a keystore, a log), not a password. */
const MAX_PASSWORD_FILE_BYTES = 4096;

export type PasswordSource = 'file' | 'env' | 'prompt';

export interface PasswordOptions {
  readonly passwordFile?: string;
  /** Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: process.stdin; the prompt is used only when it is a terminal. */
  readonly input?: ReadStream | NodeJS.ReadableStream;
  /** Where the prompt is written (default: process.stderr, so stdout stays clean for scripts). */
  readonly output?: NodeJS.WritableStream;
  /** A new password: at the prompt it is asked twice and the two must match. */
  readonly confirm?: boolean;
  /** What the password is for, in the prompt: e.g. 'wallet "default"'. */
  readonly purpose?: string;
}

export interface Password {
  readonly password: string;
  readonly source: PasswordSource;
}

export async function readPassword(opts: PasswordOptions = {}): Promise<Password> {
  if (opts.passwordFile !== undefined) return { password: await readPasswordFile(opts.passwordFile), source: 'file' };
  const fromEnv = (opts.env ?? process.env)[PASSWORD_ENV];
  if (fromEnv !== undefined) {
    if (fromEnv === '') throw new WalletError('bad-password', `${PASSWORD_ENV} is set but empty`);
    return { password: fromEnv, source: 'env' };
  }
  const input = opts.input ?? process.stdin;
  if (!isTerminal(input)) {
    throw new WalletError(
      'no-password',
      `no password given and no terminal to ask on: pass --password-file PATH (first line is the password) or set ${PASSWORD_ENV}`,
    );
  }
  const streams = { input, output: opts.output ?? process.stderr };
  const purpose = opts.purpose ? ` for ${opts.purpose}` : '';
  const password = await promptHidden(opts.confirm ? `New password${purpose}: ` : `Password${purpose}: `, streams);
  if (password === '') throw new WalletError('bad-password', 'the password must not be empty');
  if (opts.confirm && (await promptHidden('Repeat the password: ', streams)) !== password) {
    throw new WalletError('bad-password', 'the two passwords differ');
  }
  return { password, source: 'prompt' };
}

/** The first line of the file, without its line ending. */
export async function readPasswordFile(path: string): Promise<string> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_PASSWORD_FILE_BYTES) {
      throw new WalletError('bad-password', `password file ${path} is ${size} bytes; a password file holds one line`);
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof WalletError) throw err;
    throw new WalletError('no-password', `cannot read the password file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const end = text.indexOf('\n');
  const line = (end < 0 ? text : text.slice(0, end)).replace(/\r$/, '');
  if (line === '') throw new WalletError('bad-password', `the first line of the password file ${path} is empty`);
  return line;
}

function isTerminal(input: ReadStream | NodeJS.ReadableStream): input is ReadStream {
  return (input as Partial<ReadStream>).isTTY === true;
}
