/**
 * The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core, opens
 * the page a running testnet's node serves and must show what the chain holds — the loss chart's
 * points are the held-out losses the node reports at those heights, and the contributors table
 * lists every rated contributor with its rewards. A screenshot is saved in the test's folder.
 *
 * Chromium must be installed (`apt-get install -y chromium`); without it this test fails, on
 * purpose, rather than being skipped.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { rpcCall } from '../../src/rpc/client.ts';
import type { ContributorView, LossPoint } from '../../src/dashboard/model-insight.ts';
import { readManifest, startTestnet, waitFor, type RunningTestnet } from '../util/testnet-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const COIN = 100_000_000n;

let dir: string;
let testnet: RunningTestnet | null = null;
let browser: BrowserContext | null = null;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gc-browser-'));
});

after(async () => {
  await browser?.close();
  await testnet?.stop(5_000);
  if (process.env['GC_KEEP_SCREENSHOT'] === undefined) await rm(dir, { recursive: true, force: true });
});

function gc(units: string): string {
  const value = BigInt(units);
  return `${value / COIN}.${(value % COIN).toString().padStart(8, '0')}`;
}

test('the dashboard shows the chain: loss chart and contributors table with the node\'s numbers', { timeout: 300_000 }, async () => {
  await access(CHROMIUM).catch(() => {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get update && apt-get install -y chromium\``);
  });

  // Two contributors and 10 s blocks (a 5 s collection window): contributions are in by block 2.
  const datadir = join(dir, 'testnet');
  testnet = startTestnet(datadir, ['--nodes', '2', '--miners', '1', '--contributors', '2', '--block-time', '10', '--fresh']);
  const t = testnet;
  await waitFor('the manifest', 60_000, () => readManifest(datadir).catch(() => undefined));
  // Node 1 does not mine: the dashboard the launcher points at.
  const rpc = t.rpc(1);
  const contributors = await waitFor('two rated contributors and three measured heights', 240_000, async () => {
    const list = await rpcCall<ContributorView[]>(rpc, 'getcontributors');
    const info = await rpcCall<{ lossHistory: LossPoint[] }>(rpc, 'getmodelinfo', [null, 64]);
    return list.length === 2 && info.lossHistory.length >= 3 ? list : undefined;
  }, 2_000);

  const profile = join(dir, 'chromium-profile');
  await mkdir(profile);
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1500 },
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${rpc.port}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  // Page-side code is given as text: this file is compiled without the DOM's types.
  await page.waitForFunction("Number(document.getElementById('loss-chart')?.dataset.points ?? 0) >= 3", undefined, { timeout: 60_000 });

  // The chart's points are the node's held-out losses at those heights.
  const points = await page.evaluate<{ x: number; y: number }[]>("Chart.getChart('loss-chart').data.datasets[0].data.map((p) => ({ x: p.x, y: p.y }))");
  const history = (await rpcCall<{ lossHistory: LossPoint[] }>(rpc, 'getmodelinfo', [null, 64])).lossHistory;
  const byHeight = new Map(history.map((p) => [p.height, p.loss]));
  assert.ok(points.length >= 3, `${points.length} points`);
  for (const p of points) {
    if (byHeight.has(p.x)) assert.equal(p.y, byHeight.get(p.x), `the loss at height ${p.x}`);
  }
  assert.ok(points.some((p) => byHeight.has(p.x) && p.x > 0), 'points past the genesis match the node');
  assert.ok(Math.abs(points[0]!.y - Math.log(256)) < 0.01, `the genesis model is near ln 256: ${points[0]!.y}`);
  assert.ok(points[points.length - 1]!.y < points[0]!.y, 'the loss fell');
  const lossCard = await page.textContent('#loss');
  assert.match(lossCard ?? '', /^\d\.\d{4}$/);

  // The contributors table: every rated contributor, with the rewards the chain paid it.
  const rows = await page.evaluate<{ text: string; title: string }[][]>(
    "Array.from(document.querySelectorAll('#contributors tbody tr')).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => ({ text: td.textContent ?? '', title: td.title })))",
  );
  assert.equal(rows.length, 2);
  const manifest = await readManifest(datadir);
  const known = new Set((manifest['contributors'] as { address: string }[]).map((c) => c.address));
  for (const row of rows) {
    const address = row[0]!.title;
    assert.ok(known.has(address), `${address} is one of the testnet's contributors`);
    const chainView = contributors.find((c) => c.address === address) ?? (await rpcCall<ContributorView[]>(rpc, 'getcontributors')).find((c) => c.address === address)!;
    assert.ok(Number(row[6]!.text) >= chainView.contributions, 'blocks scored');
    assert.match(row[7]!.text, /^\d+\.\d{8}$/);
    assert.ok(BigInt(row[7]!.text.replace('.', '')) >= BigInt(chainView.rewards), `rewards ${row[7]!.text} ≥ ${gc(chainView.rewards)} GC seen earlier`);
    assert.equal(Number(row[1]!.text).toFixed(3), row[1]!.text, 'mu as a number');
  }
  assert.ok(Number(await page.textContent('#height')) >= 2);
  assert.match((await page.textContent('#blocks tbody tr td')) ?? '', /^\d+$/);
  assert.deepEqual(errors, [], 'no script errors');

  const screenshot = join(dir, 'dashboard.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  assert.ok((await stat(screenshot)).size > 10_000);
  if (process.env['GC_KEEP_SCREENSHOT'] !== undefined) console.log(`screenshot: ${screenshot}`);
});
