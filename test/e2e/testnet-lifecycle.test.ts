/**
 * The testnet's life across runs, through the real CLI: a launcher killed outright (SIGKILL, no
 * chance to clean up) leaves no process behind, because each child notices its launcher is gone
 * and stops itself; a second start on the same folder carries on the same chain; a start with
 * another block time is refused until --fresh.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifestPids } from '../../src/testnet/setup.ts';
import { gradientcoin } from './cli.ts';
import { blockCount, processAlive, readManifest, startTestnet, testBasePort, waitFor, type RunningTestnet } from '../util/testnet-harness.ts';

let dir: string;
const running: RunningTestnet[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gc-lifecycle-'));
});

after(async () => {
  for (const t of running) await t.stop(5_000);
  await rm(dir, { recursive: true, force: true });
});

test('a killed launcher leaves nothing running; the next start carries on its chain', { timeout: 180_000 }, async () => {
  const datadir = join(dir, 'testnet');
  const args = ['--nodes', '1', '--miners', '1', '--contributors', '0', '--block-time', '2'];
  const first = startTestnet(datadir, [...args, '--fresh']);
  running.push(first);
  await waitFor('the manifest with the node pid', 60_000, async () => ((await readManifestPids(join(datadir, 'testnet.json')).catch(() => [])).length === 1 ? true : undefined));
  const height = await waitFor('block 3', 120_000, async () => {
    const h = await blockCount(first, 0);
    return h >= 3 ? h : undefined;
  });
  const pids = await readManifestPids(join(datadir, 'testnet.json'));
  first.process.kill('SIGKILL');
  await waitFor('the node to stop on its own', 30_000, async () => (pids.every((pid) => !processAlive(pid)) ? true : undefined));

  const second = startTestnet(datadir, args);
  running.push(second);
  const resumed = await waitFor('the node to answer again', 60_000, () => blockCount(second, 0).catch(() => undefined));
  assert.ok(resumed >= height, `height ${resumed} after the restart, ${height} before`);
  const manifest = await readManifest(datadir);
  assert.notDeepEqual(await readManifestPids(join(datadir, 'testnet.json')), pids, 'new processes');
  assert.equal((manifest['nodes'] as { mining: boolean }[])[0]!.mining, true);
  assert.equal((await second.stop()).code, 0);
});

test('another block time on the same folder is refused until --fresh', { timeout: 60_000 }, async () => {
  const datadir = join(dir, 'testnet');
  const run = await gradientcoin(['testnet', '--datadir', datadir, '--base-port', String(testBasePort()), '--nodes', '1', '--block-time', '3'], { timeoutMs: 30_000 });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: .* holds a testnet of another genesis .*block time 2 s\); this start asks for [0-9a-f]{16}… \(".*"\)\. Start it with the same options, or pass --fresh/m);
});
