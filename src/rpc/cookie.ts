/**
 * Cookie authentication, bitcoind's convention: the node writes "__cookie__:<64 hex digits>" to
 * <datadir>/.cookie (mode 0600, no newline) when its RPC server starts, and a client on the same machine that
 * can read the data folder authenticates with it. No password to configure, and only the node's
 * own user can talk to it.
 */
import { CodedError } from '../../trainer/coded-error.ts';
import { randomBytes } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../wallet/atomic-file.ts';

export const COOKIE_FILE = '.cookie';
export const COOKIE_USER = '__cookie__';
const COOKIE_SECRET_BYTES = 32;
const MAX_COOKIE_BYTES = 1024;

export interface RpcCredentials {
  readonly user: string;
  readonly password: string;
}

export type CookieErrorCode = 'no-cookie' | 'bad-cookie';

export class CookieError extends CodedError<CookieErrorCode> {}

export function cookiePath(datadir: string): string {
  return join(datadir, COOKIE_FILE);
}

/** "user:password" (the password may contain ':'; the user may not), one trailing newline allowed. */
export function parseCookie(text: string): RpcCredentials {
  const line = text.replace(/\r?\n$/, '');
  const colon = line.indexOf(':');
  if (colon <= 0 || colon === line.length - 1 || /[\r\n]/.test(line)) {
    throw new CookieError('bad-cookie', 'the RPC cookie is not of the form user:password');
  }
  return { user: line.slice(0, colon), password: line.slice(colon + 1) };
}

export async function readCookie(datadir: string): Promise<RpcCredentials> {
  const path = cookiePath(datadir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CookieError(
        'no-cookie',
        `no RPC cookie at ${path}: is \`gradientcoin node\` running with that data folder? Point to the node's data folder ` +
          '(`wallet`: --node-datadir, `rpc` and `generate`: --datadir), or pass --rpc-user __cookie__ --rpc-password <what follows ":" in its .cookie>',
      );
    }
    throw new CookieError('no-cookie', `cannot read the RPC cookie ${path}: ${code ?? String(err)}`);
  }
  if (text.length > MAX_COOKIE_BYTES) throw new CookieError('bad-cookie', `${path} is too large to be an RPC cookie`);
  try {
    return parseCookie(text);
  } catch (err) {
    throw err instanceof CookieError ? new CookieError(err.code, `${path}: ${err.reason}`) : err;
  }
}

/** For the node: a fresh random cookie, replacing a stale one atomically, readable by its owner only. */
export async function writeCookie(datadir: string): Promise<RpcCredentials> {
  const credentials = { user: COOKIE_USER, password: randomBytes(COOKIE_SECRET_BYTES).toString('hex') };
  await writeFileAtomic(cookiePath(datadir), `${credentials.user}:${credentials.password}`, { mode: 0o600, overwrite: true });
  return credentials;
}

/** For the node at shutdown; an already absent cookie is fine. */
export async function removeCookie(datadir: string): Promise<void> {
  await unlink(cookiePath(datadir)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
