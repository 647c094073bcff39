/**
 * Stopping a testnet from a script: SIGTERM to the launcher stops every process it started, and so
 * does SIGTERM to npm when the testnet runs as `npm run gc -- testnet` (npm's shell passes no
 * signal on and dies alone; the launcher notices its parent is gone). Real processes throughout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { readManifestPids } from '../../src/testnet/setup.ts';
import { REPO } from './cli.ts';
import { processAlive, startTestnet, testBasePort, waitFor } from '../util/testnet-harness.ts';

let dir: string;
const leftovers: number[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gc-signals-'));
});

after(async () => {
  for (const pid of leftovers) kill(pid);
  await rm(dir, { recursive: true, force: true });
});

const ARGS = ['--nodes', '2', '--miners', '0', '--contributors', '0', '--block-time', '2', '--fresh'];

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function childrenOf(datadir: string): Promise<number[]> {
  return waitFor('both nodes in the manifest', 90_000, async () => {
    const pids = await readManifestPids(join(datadir, 'testnet.json')).catch(() => []);
    return pids.length === 2 ? pids : undefined;
  });
}

test('SIGTERM to the launcher stops it and every process it started', { timeout: 180_000 }, async () => {
  const datadir = join(dir, 'direct');
  const t = startTestnet(datadir, ARGS, testBasePort());
  const pids = await childrenOf(datadir);
  leftovers.push(...pids, t.process.pid!);
  t.process.kill('SIGTERM');
  const exit = await new Promise<number | null>((resolve) => t.process.on('close', (code) => resolve(code)));
  assert.equal(exit, 0, t.output());
  assert.match(t.output(), /stopping the testnet/);
  await waitFor('every node to stop', 30_000, async () => (pids.every((pid) => !processAlive(pid)) ? true : undefined));
});

test('SIGTERM to npm running `npm run gc -- testnet` leaves no process of the testnet running', { timeout: 180_000 }, async () => {
  const datadir = join(dir, 'npm');
  const env = { ...process.env, PATH: `${join(REPO, 'node_modules', '.bin')}${delimiter}${process.env['PATH'] ?? ''}`, GC_WALLET_PASSWORD: undefined };
  const npm = spawn('npm', ['run', '-s', 'gc', '--', 'testnet', '--datadir', datadir, '--base-port', String(testBasePort() + 8), ...ARGS], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const npmExit = new Promise<void>((resolve) => npm.on('close', () => resolve()));
  const pids = await childrenOf(datadir);
  const launcher = await parentOf(pids[0]!);
  leftovers.push(...pids, launcher, npm.pid!);
  assert.notEqual(launcher, npm.pid, 'npm runs the launcher through a shell, or at least not as itself');
  npm.kill('SIGTERM');
  await npmExit;
  await waitFor('the launcher and every node to stop', 60_000, async () => ([launcher, ...pids].every((pid) => !processAlive(pid)) ? true : undefined));
  assert.ok(!output.includes('Error'), output);
});
