/**
 * The node's JSON-RPC 2.0 server: HTTP POST to http://127.0.0.1:<port>/, never another interface
 * (HTTP Basic auth over plain HTTP is safe on one machine and nowhere else), as bitcoind's server:
 *
 * - Authentication is HTTP Basic with the cookie the node writes to <datadir>/.cookie
 *   ("__cookie__:<64 hex>", src/rpc/cookie.ts) or a configured user and password. Credentials are
 *   compared in constant time, and a failure is answered after a short pause, so guessing is slow.
 * - A request's size is limited (checked against Content-Length before reading, and while reading).
 * - A body is one request or a batch (an array, answered by an array in the same order, without the
 *   notifications). Parameters go by position or by name, nested at most MAX_PARAMS_DEPTH deep.
 * - A batch's answers are bounded in bytes in all (maxBatchResponseBytes): once they pass it, the
 *   requests left are not run and each is answered with an error that says so.
 * - Every JSON-RPC answer has HTTP status 200, errors included; the error object carries the code:
 *   -32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid params,
 *   -32603 internal error, and bitcoind's application codes (src/rpc/errors.ts).
 */
import { CodedError, describeError } from '../../trainer/coded-error.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isVerifyError } from '../../consensus/errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { MempoolError } from '../mempool/errors.ts';
import { RPC_HOST } from './client.ts';
import type { RpcCredentials } from './cookie.ts';
import { errorObject, RpcServerError, type RpcErrorObject } from './errors.ts';
import type { RpcNode } from './methods/context.ts';
import type { RpcMethodTable } from './methods/method.ts';
import { Params } from './methods/params.ts';
import { rpcMethods } from './methods/registry.ts';
import { MAX_PARAMS_DEPTH, nestsDeeperThan } from './json-depth.ts';

export interface RpcServerOptions {
  readonly node: RpcNode;
  /** 0 lets the system pick (see `port` once listening). */
  readonly port: number;
  /** Accepted user:password pairs (the cookie, and the operator's own if configured). */
  readonly credentials: readonly RpcCredentials[];
  readonly methods?: RpcMethodTable;
  /** Tried before JSON-RPC on every request (the dashboard); it answers with true when it handled one. */
  readonly httpHandler?: HttpHandler;
  /** Default: room for the largest block in hex, plus 1 MiB. */
  readonly maxRequestBytes?: number;
  /** Most requests in one batch (default 1,000). */
  readonly maxBatch?: number;
  /** Most bytes of answers one batch may produce (default 64 MiB). */
  readonly maxBatchResponseBytes?: number;
  /** Pause before answering a request with wrong credentials (default 250 ms, as bitcoind). */
  readonly authFailureDelayMs?: number;
  readonly log?: Logger;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** What a node adds to its RPC server beyond the standard methods. */
export interface RpcExtensions {
  readonly methods?: RpcMethodTable;
  readonly httpHandler?: HttpHandler;
}

type JsonRpcId = string | number | null;

interface JsonRpcResponse {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly result?: unknown;
  readonly error?: RpcErrorObject;
}

const DEFAULT_MAX_BATCH = 1_000;
/** Room for dozens of the largest answers (a block, the model) and far below what hurts a node. */
const DEFAULT_MAX_BATCH_RESPONSE_BYTES = 64 * 1024 * 1024;
const DEFAULT_AUTH_FAILURE_DELAY_MS = 250;
/** Time given to open connections to finish their request when the server closes. */
const CLOSE_GRACE_MS = 2_000;

export class RpcServerListenError extends CodedError<'port-in-use' | 'listen-failed'> {}

export class RpcServer {
  readonly #server: Server;
  readonly #node: RpcNode;
  readonly #methods: RpcMethodTable;
  readonly #httpHandler: HttpHandler | null;
  readonly #credentials: readonly Buffer[];
  readonly #maxRequestBytes: number;
  readonly #maxBatch: number;
  readonly #maxBatchResponseBytes: number;
  readonly #authDelayMs: number;
  readonly #log: Logger;
  #closing: Promise<void> | null = null;

  private constructor(options: RpcServerOptions) {
    this.#node = options.node;
    this.#methods = options.methods ?? rpcMethods();
    this.#httpHandler = options.httpHandler ?? null;
    this.#credentials = options.credentials.map((c) => digest(`${c.user}:${c.password}`));
    this.#maxRequestBytes = options.maxRequestBytes ?? 2 * options.node.chain.params.limits.maxBlockBytes + 1024 * 1024;
    this.#maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    this.#maxBatchResponseBytes = options.maxBatchResponseBytes ?? DEFAULT_MAX_BATCH_RESPONSE_BYTES;
    this.#authDelayMs = options.authFailureDelayMs ?? DEFAULT_AUTH_FAILURE_DELAY_MS;
    this.#log = options.log ?? silentLogger();
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#log.error({ err }, 'rpc request failed');
        if (!res.headersSent) send(res, 500, 'internal error\n');
        else res.destroy();
      });
    });
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 60_000;
  }

  /** Starts listening on 127.0.0.1; throws RpcServerListenError when the port is taken. */
  static async listen(options: RpcServerOptions): Promise<RpcServer> {
    if (options.credentials.length === 0) throw new Error('the RPC server needs at least one set of credentials');
    const server = new RpcServer(options);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        server.#server.off('listening', onListening);
        reject(
          err.code === 'EADDRINUSE'
            ? new RpcServerListenError('port-in-use', `RPC port ${options.port} on ${RPC_HOST} is in use: is another node running? (choose another with --rpc-port)`)
            : new RpcServerListenError('listen-failed', `cannot listen for RPC on ${RPC_HOST}:${options.port}: ${err.code ?? err.message}`),
        );
      };
      const onListening = (): void => {
        server.#server.off('error', onError);
        resolve();
      };
      server.#server.once('error', onError);
      server.#server.once('listening', onListening);
      server.#server.listen(options.port, RPC_HOST);
    });
    server.#log.info({ address: `${RPC_HOST}:${server.port}` }, 'rpc listening');
    return server;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get maxRequestBytes(): number {
    return this.#maxRequestBytes;
  }

  /** Stops accepting connections and resolves once the requests under way have been answered. */
  async close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => this.#server.closeAllConnections(), CLOSE_GRACE_MS);
      this.#server.close(() => {
        clearTimeout(force);
        resolve();
      });
      this.#server.closeIdleConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A keep-alive connection that finishes a request while the server closes is not reused.
    res.on('finish', () => {
      if (this.#closing) setImmediate(() => this.#server.closeIdleConnections());
    });
    if (this.#httpHandler && (await this.#httpHandler(req, res))) return;
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/') {
      req.resume();
      return send(res, 404, 'not found: JSON-RPC is served at /\n');
    }
    if (req.method !== 'POST') {
      req.resume();
      return send(res, 405, 'JSON-RPC needs POST\n', { allow: 'POST' });
    }
    if (!this.#authorized(req.headers.authorization)) {
      // The body is dropped unread; see readBody.
      req.resume();
      this.#log.warn({ remote: req.socket.remoteAddress }, 'rpc request with wrong or missing credentials');
      await new Promise((r) => setTimeout(r, this.#authDelayMs));
      return send(res, 401, 'unauthorized: use the cookie in the data folder, or --rpc-user and --rpc-password\n', {
        'www-authenticate': 'Basic realm="jsonrpc"',
      });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.#maxRequestBytes) return this.#tooLarge(req, res);
    const body = await readBody(req, this.#maxRequestBytes);
    if (body === null) return this.#tooLarge(req, res);
    const text = await this.#answer(body);
    if (text === null) {
      res.writeHead(204).end();
      return;
    }
    send(res, 200, text, { 'content-type': 'application/json' });
  }

  #tooLarge(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const response = failure(null, new RpcServerError('invalid-request', `request larger than ${this.#maxRequestBytes} bytes`));
    send(res, 413, JSON.stringify(response), { 'content-type': 'application/json', connection: 'close' });
  }

  #authorized(header: string | undefined): boolean {
    const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
    if (!match) return false;
    const given = digest(Buffer.from(match[1]!, 'base64').toString('utf8'));
    let ok = false;
    // Every credential is compared, so the time taken does not say which one came close.
    for (const expected of this.#credentials) ok = timingSafeEqual(given, expected) || ok;
    return ok;
  }

  /**
   * The response body for a request body, as JSON text: one response, a list (batch), or null
   * (notifications only). A batch's answers are serialised one by one as they come, so what is
   * held is the text counted against the cap, not the objects behind it.
   */
  async #answer(body: Buffer): Promise<string | null> {
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return toJson(failure(null, new RpcServerError('parse-error', `parse error: ${describeError(err)}`)));
    }
    if (!Array.isArray(request)) {
      const response = await this.#call(request);
      return response ? toJson(response) : null;
    }
    if (request.length === 0) return toJson(failure(null, new RpcServerError('invalid-request', 'a batch must hold at least one request')));
    if (request.length > this.#maxBatch) {
      return toJson(failure(null, new RpcServerError('invalid-request', `a batch holds at most ${this.#maxBatch} requests, got ${request.length}`)));
    }
    const out: string[] = [];
    let bytes = 0;
    // In order, one after another: a batch is a script, and "stop" at its end must come last.
    for (const [index, item] of request.entries()) {
      const response = bytes > this.#maxBatchResponseBytes ? this.#overflow(item, index, request.length) : await this.#call(item);
      if (!response) continue;
      const text = toJson(response);
      bytes += Buffer.byteLength(text);
      out.push(text);
    }
    return out.length > 0 ? `[${out.join(',')}]` : null;
  }

  /** The answer to a batch request left unrun because the answers before it passed the cap. */
  #overflow(item: unknown, index: number, count: number): JsonRpcResponse | null {
    const r = typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : {};
    if (!('id' in r)) return null;
    const id = typeof r['id'] === 'string' || typeof r['id'] === 'number' ? r['id'] : null;
    const reason = `not run: the batch's answers passed ${this.#maxBatchResponseBytes} bytes before request ${index + 1} of ${count}; send it in a smaller batch`;
    return failure(id, new RpcServerError('invalid-request', reason));
  }

  /** Runs one request; null for a notification (a request without an id is not answered). */
  async #call(request: unknown): Promise<JsonRpcResponse | null> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return failure(null, new RpcServerError('invalid-request', 'a request must be a JSON object'));
    }
    const r = request as Record<string, unknown>;
    const notification = !('id' in r);
    const id = r['id'];
    if (!notification && id !== null && typeof id !== 'string' && typeof id !== 'number') {
      return failure(null, new RpcServerError('invalid-request', 'id must be a string, a number or null'));
    }
    const answerId: JsonRpcId = notification ? null : (id as JsonRpcId);
    const name = r['method'];
    let outcome: JsonRpcResponse;
    if (r['jsonrpc'] !== '2.0') {
      outcome = failure(answerId, new RpcServerError('invalid-request', 'jsonrpc must be "2.0"'));
    } else if (typeof name !== 'string') {
      outcome = failure(answerId, new RpcServerError('invalid-request', 'method must be a string'));
    } else {
      outcome = await this.#run(answerId, name, r['params']);
    }
    return notification ? null : outcome;
  }

  async #run(id: JsonRpcId, name: string, rawParams: unknown): Promise<JsonRpcResponse> {
    const method = Object.hasOwn(this.#methods, name) ? this.#methods[name] : undefined;
    if (!method) return failure(id, new RpcServerError('method-not-found', `method not found: ${name.slice(0, 64)} (see "help")`));
    const started = performance.now();
    if (nestsDeeperThan(rawParams, MAX_PARAMS_DEPTH)) {
      this.#log.debug({ method: name }, 'rpc params nested too deeply');
      return failure(id, new RpcServerError('invalid-params', `${name}: params nest deeper than ${MAX_PARAMS_DEPTH} levels`));
    }
    try {
      const params = Params.bind(name, method.params, rawParams);
      const result = await method.run(params, this.#node);
      this.#log.debug({ method: name, ms: Math.round(performance.now() - started) }, 'rpc');
      return { jsonrpc: '2.0', id, result: result ?? null };
    } catch (err) {
      const known = asServerError(err);
      if (known) {
        this.#log.debug({ method: name, code: known.rpcCode, reason: known.reason }, 'rpc error');
        return failure(id, known);
      }
      this.#log.error({ method: name, err }, 'rpc method failed');
      return failure(id, new RpcServerError('internal-error', `internal error in ${name}: ${describeError(err)}`));
    }
  }
}

/** Failures with a meaning of their own; anything else is an internal error. */
function asServerError(err: unknown): RpcServerError | null {
  if (err instanceof RpcServerError) return err;
  if (err instanceof MempoolError) return new RpcServerError('verify-rejected', err.message, { reason: err.code });
  if (isVerifyError(err)) return new RpcServerError('verify-error', err.message, { reason: err.code });
  return null;
}

/** JSON text of an answer; bigints are written as decimal strings. */
function toJson(value: JsonRpcResponse): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function failure(id: JsonRpcId, err: RpcServerError): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: errorObject(err) };
}

/** Credentials are compared as digests, so both sides have the length timingSafeEqual needs. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The body, or null once it passes `max` bytes. What follows is read and dropped rather than left
 * unread: closing a socket with unread bytes resets it, and the client would lose the 413.
 */
async function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= max) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume();
      resolve(null);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}
