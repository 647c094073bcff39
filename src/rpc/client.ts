/**
 * The JSON-RPC 2.0 client the CLI uses to talk to a local node: one HTTP POST per call to
 * http://127.0.0.1:<port>/, Basic auth from the node's cookie (or an explicit user and password),
 * and every way a call can fail mapped to a typed error with a line a person can act on.
 */
import { CookieError, readCookie, type RpcCredentials } from './cookie.ts';
import { CodedError, describeError } from '../../trainer/coded-error.ts';

export const DEFAULT_RPC_PORT = 18445;
export const DEFAULT_RPC_TIMEOUT_MS = 30_000;
/** Loopback only: Basic auth over plain HTTP is safe on this machine and nowhere else. */
export const RPC_HOST = '127.0.0.1';

export type RpcErrorCode =
  | 'unreachable' // nothing listens on the port (the node is not running) or the connection broke
  | 'no-credentials' // no cookie to read and no explicit user and password
  | 'unauthorized' // HTTP 401 or 403: a stale cookie or a wrong password
  | 'rpc-error' // the node ran the call and answered with a JSON-RPC error object
  | 'http-error' // another HTTP failure without a JSON-RPC error in the body
  | 'bad-response' // not a JSON-RPC 2.0 response to this request
  | 'timeout';

export class RpcError extends CodedError<RpcErrorCode> {
  /** The JSON-RPC error code, for 'rpc-error'. */
  readonly rpcCode: number | undefined;
  /** The JSON-RPC error's data member, for 'rpc-error'. */
  readonly data: unknown;
  constructor(code: RpcErrorCode, reason: string, rpcCode?: number, data?: unknown) {
    super(code, reason);
    this.rpcCode = rpcCode;
    this.data = data;
  }
}

export interface RpcCallOptions {
  readonly port: number;
  /** Where the node's .cookie is, when no user and password are given. */
  readonly datadir?: string;
  readonly user?: string;
  readonly password?: string;
  /** Default 30 s, for the whole call: connecting, the node's work and the response. */
  readonly timeoutMs?: number;
}

export type RpcParams = readonly unknown[] | Readonly<Record<string, unknown>>;

let nextId = 1;

/** Calls `method` on the node and returns its result; throws RpcError. */
export async function rpcCall<T>(opts: RpcCallOptions, method: string, params: RpcParams = []): Promise<T> {
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new RangeError(`RPC port must be an integer from 1 to 65535, got ${opts.port}`);
  }
  // Without a cookie the call still goes out, unauthenticated: if nothing listens, "the node is not
  // running" is the answer that helps; if a node answers 401, the missing cookie is.
  const credentials = await credentialsFor(opts);
  const where = `${RPC_HOST}:${opts.port}`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
  const id = nextId++;
  let status: number;
  let body: string;
  try {
    const response = await fetch(`http://${where}/`, {
      method: 'POST',
      headers: credentials instanceof CookieError ? { 'content-type': 'application/json' } : {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`, 'utf8').toString('base64')}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    body = await response.text();
  } catch (err) {
    throw transportError(err, where, method, timeoutMs);
  }
  if (status === 401 || status === 403) {
    if (credentials instanceof CookieError) throw new RpcError('no-credentials', credentials.reason);
    throw new RpcError(
      'unauthorized',
      `the node at ${where} refused the RPC credentials (HTTP ${status}): ` +
        (opts.user === undefined ? 'the cookie is stale or belongs to another node (check --datadir)' : 'check --rpc-user and --rpc-password'),
    );
  }
  return resultOf<T>(body, status, id, method, where);
}

/** The credentials to send, or why the cookie could not be read. */
async function credentialsFor(opts: RpcCallOptions): Promise<RpcCredentials | CookieError> {
  if (opts.user !== undefined || opts.password !== undefined) {
    if (opts.user === undefined || opts.password === undefined) {
      throw new RpcError('no-credentials', 'pass both --rpc-user and --rpc-password, or neither to use the cookie');
    }
    return { user: opts.user, password: opts.password };
  }
  if (opts.datadir === undefined) throw new RpcError('no-credentials', 'no RPC credentials: give a data folder with the cookie, or a user and password');
  try {
    return await readCookie(opts.datadir);
  } catch (err) {
    if (err instanceof CookieError && err.code === 'no-cookie') return err;
    if (err instanceof CookieError) throw new RpcError('no-credentials', err.reason);
    throw err;
  }
}

function resultOf<T>(body: string, status: number, id: number, method: string, where: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const response = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const error = response?.['error'];
  // A JSON-RPC error explains itself whatever the HTTP status (bitcoind answers 500 or 404 with one).
  if (error !== undefined && error !== null) {
    if (typeof error !== 'object' || typeof (error as Record<string, unknown>)['code'] !== 'number') {
      throw new RpcError('bad-response', `the node's error for ${method} is not a JSON-RPC error object`);
    }
    const { code, message, data } = error as { code: number; message?: unknown; data?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : 'no message';
    throw new RpcError('rpc-error', `${method}: ${text} (RPC error ${code})`, code, data);
  }
  if (status < 200 || status >= 300) {
    const excerpt = body.trim().slice(0, 200);
    throw new RpcError('http-error', `the node at ${where} answered ${method} with HTTP ${status}${excerpt ? `: ${excerpt}` : ''}`);
  }
  if (!response || response['jsonrpc'] !== '2.0' || !('result' in response)) {
    throw new RpcError('bad-response', `the answer to ${method} from ${where} is not a JSON-RPC 2.0 response`);
  }
  if (response['id'] !== id) {
    throw new RpcError('bad-response', `the answer to ${method} carries id ${JSON.stringify(response['id'])}, the request had ${id}`);
  }
  return response['result'] as T;
}

function transportError(err: unknown, where: string, method: string, timeoutMs: number): RpcError {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new RpcError('timeout', `the node at ${where} did not answer ${method} within ${timeoutMs / 1000} s`);
  }
  const code = errnoOf(err);
  if (code === 'ECONNREFUSED') {
    return new RpcError('unreachable', `cannot reach the node at ${where}: is \`gradientcoin node\` running?`);
  }
  return new RpcError('unreachable', `cannot talk to the node at ${where} (${method}): ${code ?? innermostMessage(err)}`);
}

/** fetch's own message is only "fetch failed"; the cause says why (e.g. "bad port"). */
function innermostMessage(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return describeError(e);
}

/** fetch wraps socket errors in TypeError('fetch failed'), sometimes with an AggregateError inside. */
function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const c = errnoOf(inner);
        if (c) return c;
      }
    }
    e = e.cause;
  }
  return undefined;
}
