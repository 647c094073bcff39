/**
 * The dashboard, served by the node on its RPC port: GET / is the page, its script, stylesheet
 * and Chart.js (node_modules/chart.js/dist/chart.umd.min.js, as shipped), and /api/*.json its
 * data. It is read-only, so it needs no credentials; like the RPC it is reachable only on
 * 127.0.0.1, and a request whose Host header names anything else (a DNS-rebinding page, say) is
 * refused.
 *
 * The handler answers only what is its own and returns false for everything else (the JSON-RPC
 * POSTs), so the RPC server can put it in front of its own handling.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contributors, loss, MAX_BLOCKS, peers, recentBlocks, summary, type DashboardSources } from './api.ts';
import { TipCache } from './tip-cache.ts';
import { toHex } from '../../consensus/hash.ts';

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

interface Asset {
  readonly file: string;
  readonly type: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function chartJsPath(): string {
  // chart.js exports no subpaths; its main entry sits in the same dist/ folder as the UMD build.
  return join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
}

const ASSETS: Readonly<Record<string, () => Asset>> = {
  '/': () => ({ file: join(HERE, 'page.html'), type: 'text/html; charset=utf-8' }),
  '/app.js': () => ({ file: join(HERE, 'app.js'), type: 'text/javascript; charset=utf-8' }),
  '/style.css': () => ({ file: join(HERE, 'style.css'), type: 'text/css; charset=utf-8' }),
  '/chart.umd.min.js': () => ({ file: chartJsPath(), type: 'text/javascript; charset=utf-8' }),
};

/** Scripts and styles from this origin only; no inline script, no framing. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function createDashboardHandler(sources: DashboardSources): DashboardHandler {
  const cache = new Map<string, Buffer>();
  const lossPerTip = new TipCache(() => loss(sources), () => sources.node.clockMs());
  const api: Readonly<Record<string, (url: URL) => unknown>> = {
    '/api/summary.json': () => summary(sources),
    '/api/blocks.json': (url) => recentBlocks(sources, clampCount(url.searchParams.get('count'))),
    '/api/loss.json': () => lossPerTip.get(toHex(sources.node.chain.tip().hash)),
    '/api/contributors.json': () => contributors(sources),
    '/api/peers.json': () => peers(sources),
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname === '/index.html' ? '/' : url.pathname;
    const route = Object.hasOwn(api, path) ? 'api' : Object.hasOwn(ASSETS, path) ? 'asset' : null;
    // JSON-RPC is POST to /; anything else that is not ours is left to the server as well.
    if (route === null || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    req.resume();
    if (!loopbackHost(req.headers.host)) {
      send(res, req, 403, 'text/plain; charset=utf-8', Buffer.from('the dashboard answers only to 127.0.0.1 and localhost\n'));
      return true;
    }
    if (route === 'api') {
      const body = Buffer.from(JSON.stringify(await api[path]!(url), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
      send(res, req, 200, 'application/json; charset=utf-8', body, { 'cache-control': 'no-store' });
      return true;
    }
    let body = cache.get(path);
    if (!body) {
      body = await readFile(ASSETS[path]!().file);
      cache.set(path, body);
    }
    send(res, req, 200, ASSETS[path]!().type, body, { 'cache-control': 'no-cache' });
    return true;
  };
}

function clampCount(text: string | null): number {
  const n = Number(text ?? 20);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_BLOCKS) : 20;
}

/** 127.0.0.1, localhost or [::1], with any port: the names a browser on this machine uses. */
export function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': type, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}
