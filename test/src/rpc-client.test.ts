import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcError, rpcCall, type RpcErrorCode } from '../../src/rpc/client.ts';
import { COOKIE_USER, CookieError, cookiePath, parseCookie, readCookie, removeCookie, writeCookie } from '../../src/rpc/cookie.ts';

interface Seen {
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly body: Record<string, unknown>;
}

type Handler = (seen: Seen, res: ServerResponse) => void;

/** A real HTTP server on a free loopback port; the handler decides each answer. */
async function withServer(handler: Handler, fn: (port: number, requests: Seen[]) => Promise<void>): Promise<void> {
  const requests: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = {
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        method: req.method,
        url: req.url,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      };
      requests.push(seen);
      handler(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port, requests);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function withDatadir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-rpc-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const answer = (result: unknown): Handler => (seen, res) => json(res, 200, { jsonrpc: '2.0', id: seen.body['id'], result });

function rejectsWith(code: RpcErrorCode, message?: RegExp) {
  return (err: unknown): boolean => err instanceof RpcError && err.code === code && (!message || message.test(err.reason));
}

/** A loopback port with nothing listening: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('the node cookie is "__cookie__:<64 hex>", mode 0600, replaced atomically, removed idempotently', () =>
  withDatadir(async (dir) => {
    const first = await writeCookie(dir);
    assert.equal(first.user, COOKIE_USER);
    const text = await readFile(cookiePath(dir), 'utf8');
    assert.match(text, /^__cookie__:[0-9a-f]{64}$/);
    assert.equal((await stat(cookiePath(dir))).mode & 0o777, 0o600);
    assert.deepEqual(await readCookie(dir), first);
    const second = await writeCookie(dir);
    assert.notEqual(second.password, first.password);
    assert.deepEqual(await readCookie(dir), second);
    await removeCookie(dir);
    await removeCookie(dir);
    await assert.rejects(readCookie(dir), (e: unknown) => e instanceof CookieError && e.code === 'no-cookie' && /--rpc-user/.test(e.message));
  }));

test('cookie text: user up to the first colon; the password may hold colons; one newline allowed', () => {
  assert.deepEqual(parseCookie('__cookie__:abc\n'), { user: '__cookie__', password: 'abc' });
  assert.deepEqual(parseCookie('u:p:q'), { user: 'u', password: 'p:q' });
  for (const bad of ['', 'nocolon', ':p', 'u:', 'u:p\nmore', 'u:p\n\n']) {
    assert.throws(() => parseCookie(bad), (e: unknown) => e instanceof CookieError && e.code === 'bad-cookie', JSON.stringify(bad));
  }
});

test('a call is a JSON-RPC 2.0 POST to / with Basic auth from the cookie', () =>
  withDatadir(async (dir) => {
    const cookie = await writeCookie(dir);
    await withServer(answer({ height: 7 }), async (port, requests) => {
      const result = await rpcCall<{ height: number }>({ port, datadir: dir }, 'getinfo', { verbose: true });
      assert.deepEqual(result, { height: 7 });
      const seen = requests[0]!;
      assert.equal(seen.method, 'POST');
      assert.equal(seen.url, '/');
      assert.equal(seen.contentType, 'application/json');
      assert.equal(seen.authorization, `Basic ${Buffer.from(`__cookie__:${cookie.password}`).toString('base64')}`);
      assert.equal(seen.body['jsonrpc'], '2.0');
      assert.equal(seen.body['method'], 'getinfo');
      assert.deepEqual(seen.body['params'], { verbose: true });
      assert.equal(typeof seen.body['id'], 'number');
      // Positional parameters, and a fresh id per call.
      assert.deepEqual(await rpcCall({ port, datadir: dir }, 'ping', [1, 'two']), { height: 7 });
      assert.deepEqual(requests[1]!.body['params'], [1, 'two']);
      assert.notEqual(requests[1]!.body['id'], seen.body['id']);
    });
  }));

test('explicit user and password replace the cookie; one without the other is refused', () =>
  withServer(answer('ok'), async (port, requests) => {
    assert.equal(await rpcCall<string>({ port, user: 'alice', password: 'p:w' }, 'x'), 'ok');
    assert.equal(requests[0]!.authorization, `Basic ${Buffer.from('alice:p:w').toString('base64')}`);
    await assert.rejects(rpcCall({ port, user: 'alice' }, 'x'), rejectsWith('no-credentials', /both --rpc-user and --rpc-password/));
  }));

test('a refused port means the node is not running', async () => {
  const port = await closedPort();
  await assert.rejects(
    rpcCall({ port, user: 'u', password: 'p' }, 'getaccount', {}),
    rejectsWith('unreachable', new RegExp(`^cannot reach the node at 127\\.0\\.0\\.1:${port}: is \`gradientcoin node\` running\\?$`)),
  );
  // With no cookie either (a stopped node removes it), the refused port is still the answer.
  await withDatadir((dir) => assert.rejects(rpcCall({ port, datadir: dir }, 'x'), rejectsWith('unreachable')));
});

test('401 is an authentication failure; with no cookie it says the cookie is missing', () =>
  withDatadir(async (dir) =>
    withServer(
      (_seen, res) => {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' });
        res.end();
      },
      async (port, requests) => {
        await assert.rejects(rpcCall({ port, user: 'u', password: 'bad' }, 'x'), rejectsWith('unauthorized', /HTTP 401.*--rpc-user/));
        await assert.rejects(rpcCall({ port, datadir: dir }, 'x'), rejectsWith('no-credentials', /no RPC cookie at/));
        assert.equal(requests[1]!.authorization, undefined);
        await writeCookie(dir);
        await assert.rejects(rpcCall({ port, datadir: dir }, 'x'), rejectsWith('unauthorized', /cookie is stale/));
      },
    ),
  ));

test('a JSON-RPC error object becomes an rpc-error with the code and message, whatever the HTTP status', () =>
  withServer(
    (seen, res) => {
      const status = seen.body['method'] === 'as500' ? 500 : 200;
      json(res, status, { jsonrpc: '2.0', id: seen.body['id'], error: { code: -25, message: 'transfer nonce 3, account at 4', data: { have: '4' } } });
    },
    async (port) => {
      for (const method of ['as200', 'as500']) {
        await assert.rejects(rpcCall({ port, user: 'u', password: 'p' }, method), (e: unknown) => {
          assert.ok(e instanceof RpcError);
          assert.equal(e.code, 'rpc-error');
          assert.equal(e.rpcCode, -25);
          assert.deepEqual(e.data, { have: '4' });
          assert.equal(e.reason, `${method}: transfer nonce 3, account at 4 (RPC error -25)`);
          return true;
        });
      }
    },
  ));

test('answers that are not JSON-RPC responses to this request are bad-response or http-error', () =>
  withServer(
    (seen, res) => {
      const m = seen.body['method'];
      if (m === 'html500') {
        res.writeHead(500);
        res.end('<h1>Internal error</h1>');
      } else if (m === 'notjson') {
        res.end('hello');
      } else if (m === 'wrongid') {
        json(res, 200, { jsonrpc: '2.0', id: 'other', result: 1 });
      } else if (m === 'noresult') {
        json(res, 200, { jsonrpc: '2.0', id: seen.body['id'] });
      } else if (m === 'v1') {
        json(res, 200, { id: seen.body['id'], result: 1 });
      } else {
        json(res, 200, { jsonrpc: '2.0', id: seen.body['id'], error: 'oops' });
      }
    },
    async (port) => {
      const o = { port, user: 'u', password: 'p' };
      await assert.rejects(rpcCall(o, 'html500'), rejectsWith('http-error', /HTTP 500: <h1>Internal error<\/h1>/));
      await assert.rejects(rpcCall(o, 'notjson'), rejectsWith('bad-response', /not a JSON-RPC 2.0 response/));
      await assert.rejects(rpcCall(o, 'wrongid'), rejectsWith('bad-response', /carries id "other"/));
      await assert.rejects(rpcCall(o, 'noresult'), rejectsWith('bad-response'));
      await assert.rejects(rpcCall(o, 'v1'), rejectsWith('bad-response'));
      await assert.rejects(rpcCall(o, 'badError'), rejectsWith('bad-response', /not a JSON-RPC error object/));
    },
  ));

test('a node that does not answer in time gives a timeout', () =>
  withServer(
    () => undefined, // never answers
    async (port) => {
      await assert.rejects(rpcCall({ port, user: 'u', password: 'p', timeoutMs: 200 }, 'slow'), rejectsWith('timeout', /did not answer slow within 0.2 s/));
    },
  ));

test('a port out of range is a programming error, refused before any I/O', async () => {
  await assert.rejects(rpcCall({ port: 0, user: 'u', password: 'p' }, 'x'), RangeError);
  await assert.rejects(rpcCall({ port: 70000, user: 'u', password: 'p' }, 'x'), RangeError);
});

test('a malformed cookie file is reported as such', () =>
  withDatadir(async (dir) => {
    await writeFile(cookiePath(dir), 'garbage');
    await assert.rejects(rpcCall({ port: 18445, datadir: dir }, 'x'), rejectsWith('no-credentials', /not of the form user:password/));
  }));
