/**
 * The RPC server's bounds on what one request may cost: params nested past MAX_PARAMS_DEPTH are
 * invalid params (never a stack overflow, never an error-level log), and a batch's answers are
 * capped in bytes, the requests past the cap answered with an error that says why, unrun.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { RpcServer } from '../../src/rpc/server.ts';
import { MAX_PARAMS_DEPTH, nestsDeeperThan } from '../../src/rpc/json-depth.ts';
import { startTestNode, type TestNode } from '../util/node-harness.ts';

const CREDENTIALS = { user: 'limits', password: 'limits' };
const AUTH = `Basic ${Buffer.from('limits:limits').toString('base64')}`;
const BATCH_CAP = 16 * 1024;

let t: TestNode;
let server: RpcServer;
const logged: Array<{ level: number; msg: string }> = [];

before(async () => {
  t = await startTestNode({ p2p: false });
  const log = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) });
  server = await RpcServer.listen({ node: t.node, port: 0, credentials: [CREDENTIALS], maxBatchResponseBytes: BATCH_CAP, log });
});

after(async () => {
  await server.close();
  await t.close();
});

async function send(body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', headers: { authorization: AUTH }, body });
  return { status: response.status, text: await response.text() };
}

test('nesting is measured without recursion', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(nestsDeeperThan(deep, MAX_PARAMS_DEPTH), true);
  assert.equal(nestsDeeperThan([[1, { a: [2] }]], 4), false);
  assert.equal(nestsDeeperThan([[1, { a: [2] }]], 3), true);
  assert.equal(nestsDeeperThan('text', 0), false);
});

test('params nested 100,000 deep are invalid params, logged at debug only', async () => {
  const before = logged.length;
  const depth = 100_000;
  const body = `{"jsonrpc":"2.0","id":7,"method":"getblockhash","params":${'['.repeat(depth)}0${']'.repeat(depth)}}`;
  const answer = await send(body);
  assert.equal(answer.status, 200);
  const json = JSON.parse(answer.text) as { id: number; error: { code: number; message: string } };
  assert.equal(json.id, 7);
  assert.equal(json.error.code, -32602);
  assert.equal(json.error.message, `getblockhash: params nest deeper than ${MAX_PARAMS_DEPTH} levels`);
  const entries = logged.slice(before);
  assert.ok(entries.some((e) => e.msg === 'rpc params nested too deeply' && e.level === 20), JSON.stringify(entries));
  assert.ok(entries.every((e) => e.level < 50), 'nothing at error level');
  // Just within the limit is bound and checked as usual.
  const shallow = await send(`{"jsonrpc":"2.0","id":8,"method":"getblockhash","params":[${'['.repeat(MAX_PARAMS_DEPTH - 2)}0${']'.repeat(MAX_PARAMS_DEPTH - 2)}]}`);
  assert.equal((JSON.parse(shallow.text) as { error: { code: number } }).error.code, -32602);
});

test("a batch's answers are capped in bytes; the requests past the cap are not run and say why", async () => {
  const single = await send('{"jsonrpc":"2.0","id":0,"method":"help"}');
  const helpBytes = single.text.length;
  assert.ok(helpBytes > 1_000 && helpBytes < BATCH_CAP, `help answers ${helpBytes} bytes`);
  const count = 40;
  const batch = Array.from({ length: count }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'help' }));
  const answer = await send(JSON.stringify(batch));
  assert.equal(answer.status, 200);
  const items = JSON.parse(answer.text) as Array<{ id: number; result?: string; error?: { code: number; message: string } }>;
  assert.equal(items.length, count, 'one answer per request, in order');
  assert.deepEqual(items.map((i) => i.id), batch.map((b) => b.id));
  const run = items.filter((i) => i.result !== undefined).length;
  // Answers are counted as they come: the cap, plus the one answer that passed it.
  assert.equal(run, Math.floor(BATCH_CAP / (helpBytes + 1)) + 1);
  for (const item of items.slice(run)) {
    assert.equal(item.error?.code, -32600);
    assert.match(item.error.message, new RegExp(`^not run: the batch's answers passed ${BATCH_CAP} bytes before request \\d+ of ${count}; send it in a smaller batch$`));
  }
  assert.ok(answer.text.length < BATCH_CAP + 2 * helpBytes + count * 200, `${answer.text.length} bytes`);
  // Notifications past the cap stay unanswered, as any notification.
  const mixed = await send(JSON.stringify([...batch.slice(0, 20), { jsonrpc: '2.0', method: 'help' }, { jsonrpc: '2.0', id: 'last', method: 'help' }]));
  const mixedItems = JSON.parse(mixed.text) as Array<{ id: unknown }>;
  assert.equal(mixedItems.length, 21);
  assert.equal(mixedItems.at(-1)!.id, 'last');
});
