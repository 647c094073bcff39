/**
 * Whatever an authenticated client sends, the RPC server answers with a well-formed JSON-RPC
 * response (or 204 for notifications), never an internal error: random bodies, random requests,
 * and every method called with random parameters. The server here is a real RpcServer over a real
 * node, without `stop` in its table so that no generated call can end the run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RpcServer } from '../../src/rpc/server.ts';
import { rpcMethods } from '../../src/rpc/methods/registry.ts';
import type { RpcMethod } from '../../src/rpc/methods/method.ts';
import { startTestNode, type TestNode } from '../util/node-harness.ts';

const CREDENTIALS = { user: 'fuzz', password: 'fuzz' };
const AUTH = `Basic ${Buffer.from('fuzz:fuzz').toString('base64')}`;
const KNOWN_CODES = new Set([-32700, -32600, -32601, -32602, -1, -5, -8, -22, -25, -26]);

let t: TestNode;
let server: RpcServer;
const methods: Record<string, RpcMethod> = { ...rpcMethods() };
delete methods['stop'];
const names = Object.keys(methods);

before(async () => {
  t = await startTestNode({ p2p: false });
  server = await RpcServer.listen({ node: t.node, port: 0, credentials: [CREDENTIALS], methods, maxRequestBytes: 256 * 1024 });
});

after(async () => {
  await server.close();
  await t.close();
});

async function send(body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: { authorization: AUTH }, body });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** A response object: jsonrpc 2.0, an id, and a result or an error with a known code. */
function checkResponse(value: unknown): void {
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), JSON.stringify(value));
  const r = value as Record<string, unknown>;
  assert.equal(r['jsonrpc'], '2.0');
  assert.ok('id' in r);
  if ('error' in r) {
    const error = r['error'] as { code: unknown; message: unknown };
    assert.ok(KNOWN_CODES.has(error.code as number), `unexpected error ${JSON.stringify(error)}`);
    assert.equal(typeof error.message, 'string');
  } else {
    assert.ok('result' in r);
  }
}

function checkAnswer(answer: { status: number; json: unknown }): void {
  if (answer.status === 204) return assert.equal(answer.json, undefined);
  assert.equal(answer.status, 200);
  if (Array.isArray(answer.json)) for (const item of answer.json) checkResponse(item);
  else checkResponse(answer.json);
}

test('random bodies: text and JSON values', { timeout: 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null')), async (body) => {
      checkAnswer(await send(body));
    }),
    { numRuns: 150 },
  );
});

test('random requests and batches', { timeout: 60_000 }, async () => {
  const request = fc.record(
    {
      jsonrpc: fc.oneof(fc.constant('2.0'), fc.jsonValue({ maxDepth: 1 })),
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
      method: fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
      params: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(fc.oneof(request, fc.array(request, { maxLength: 5 })), async (body) => {
      checkAnswer(await send(JSON.stringify(body)));
    }),
    { numRuns: 200 },
  );
});

test('every method with random parameters of plausible shapes never fails internally', { timeout: 60_000 }, async () => {
  const hex = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('hex'));
  const value = fc.oneof(
    hex,
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
    fc.integer({ min: -5, max: 1_000_000 }),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 90 }),
    fc.constant('gct1qge3emtg2y6e4g06ry0h0xjakt4quwp2r2a8mz6'),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...names), fc.array(value, { maxLength: 3 }), fc.boolean(), async (method, args, byName) => {
      const specs = methods[method]!.params;
      const params = byName ? Object.fromEntries(args.slice(0, specs.length).map((v, i) => [specs[i]!.name, v])) : args;
      checkAnswer(await send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })));
    }),
    { numRuns: 400 },
  );
});
