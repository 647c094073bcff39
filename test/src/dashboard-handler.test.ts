/**
 * The dashboard's HTTP handler in front of a real FullNode: the page and its assets, the JSON
 * built from the node's chain, the loopback-only Host check, and everything else (JSON-RPC POSTs,
 * unknown paths) left to the server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { encodeAddress } from '../../chain/address.ts';
import { toHex } from '../../consensus/hash.ts';
import { createDashboardHandler, loopbackHost } from '../../src/dashboard/handler.ts';
import { ModelInsight } from '../../src/dashboard/model-insight.ts';
import { KEYS, solvedBlock, startTestNode, type TestNode } from '../util/node-harness.ts';
import { encodeBlock } from '../../chain/block.ts';

let node: TestNode;
let server: Server;
let port: number;

before(async () => {
  node = await startTestNode({ p2p: false });
  for (let i = 0; i < 3; i++) {
    const block = await solvedBlock(node.node, KEYS[i]!.address);
    const result = await node.node.submitBlock(encodeBlock(block));
    assert.equal(result.status, 'connected');
  }
  const handler = createDashboardHandler({ node: node.node, insight: new ModelInsight(node.node.chain) });
  server = createServer((req, res) => {
    handler(req, res)
      .then((handled) => {
        if (!handled) {
          req.resume();
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not the dashboard\n');
        }
      })
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await node?.close();
});

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function get(path: string, opts: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: opts.host ?? `127.0.0.1:${port}` } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.method === 'POST' ? '{"jsonrpc":"2.0","id":1,"method":"getblockcount"}' : undefined);
  });
}

test('the page, its script, stylesheet and Chart.js are served with a same-origin policy', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  assert.match(page.body, /<canvas id="loss-chart"/);
  assert.match(page.body, /<table id="contributors">/);
  const app = await get('/app.js');
  assert.equal(app.status, 200);
  assert.match(app.body, /\/api\/loss\.json/);
  assert.equal((await get('/style.css')).status, 200);
  const chart = await get('/chart.umd.min.js');
  assert.equal(chart.status, 200);
  assert.match(String(chart.headers['content-type']), /javascript/);
  assert.ok(chart.body.length > 100_000, 'the Chart.js UMD build');
  const head = await get('/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test("the JSON is the node's chain: summary, newest blocks first, no loss without a dataset, no contributors yet", async () => {
  const chain = node.node.chain;
  const summary = JSON.parse((await get('/api/summary.json')).body) as Record<string, unknown>;
  assert.equal(summary['height'], 3);
  assert.equal(summary['tip'], toHex(chain.tip().hash));
  assert.equal(summary['network'], chain.params.network);
  assert.equal(summary['mining'], null);

  const blocks = JSON.parse((await get('/api/blocks.json?count=2')).body) as Record<string, unknown>[];
  assert.deepEqual(blocks.map((b) => b['height']), [3, 2]);
  assert.equal(blocks[0]!['hash'], toHex(chain.tip().hash));
  assert.equal(blocks[0]!['miner'], encodeAddress(chain.params.addressPrefix, KEYS[2]!.address));
  assert.equal(blocks[1]!['miner'], encodeAddress(chain.params.addressPrefix, KEYS[1]!.address));
  assert.equal(blocks[0]!['contributions'], 0);
  assert.equal(blocks[0]!['paid'], '0');
  const all = JSON.parse((await get('/api/blocks.json?count=500')).body) as Record<string, unknown>[];
  assert.deepEqual(all.map((b) => b['height']), [3, 2, 1, 0], 'count is capped by the chain (and at 100)');
  assert.equal(all[3]!['miner'], null);

  const loss = JSON.parse((await get('/api/loss.json')).body) as Record<string, unknown>;
  assert.deepEqual(loss, { height: 3, heldOutLoss: null, positions: 0, history: [] });
  assert.deepEqual(JSON.parse((await get('/api/contributors.json')).body), []);
  assert.deepEqual(JSON.parse((await get('/api/peers.json')).body), []);
  assert.equal((await get('/api/summary.json')).headers['cache-control'], 'no-store');
});

test('another Host is refused; JSON-RPC and unknown paths are left to the server', async () => {
  const rebound = await get('/api/summary.json', { host: 'attacker.example:80' });
  assert.equal(rebound.status, 403);
  assert.equal((await get('/', { host: `localhost:${port}` })).status, 200);
  const rpc = await get('/', { method: 'POST' });
  assert.equal(rpc.status, 404);
  assert.equal(rpc.body, 'not the dashboard\n');
  assert.equal((await get('/api/secrets.json')).status, 404);
  assert.equal((await get('/../../package.json')).status, 404);

  assert.equal(loopbackHost('127.0.0.1:18445'), true);
  assert.equal(loopbackHost('localhost'), true);
  assert.equal(loopbackHost('[::1]:18445'), true);
  assert.equal(loopbackHost('127.0.0.1.evil.example'), false);
  assert.equal(loopbackHost('localhost.evil.example:18445'), false);
  assert.equal(loopbackHost(undefined), false);
});
