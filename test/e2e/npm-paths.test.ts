/**
 * `npm run gc -- genesis --out net.json --swarm-key swarm.key` run from another folder writes both
 * files there, not into the package root where npm runs its scripts; and the repository ignores
 * such files should they land in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO } from './cli.ts';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

test('relative paths given through `npm run gc` are the caller\'s folder', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-npm-paths-'));
  const name = `paths-${process.pid}`;
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(REPO, 'node_modules', '.bin')}${delimiter}${process.env['PATH'] ?? ''}` };
    delete env['INIT_CWD'];
    delete env['npm_lifecycle_event'];
    const args = ['run', '-s', '--prefix', REPO, 'gc', '--', 'genesis', '--out', `${name}.json`, '--swarm-key', `${name}.key`, '--network', 'paths'];
    const child = spawn('npm', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /^[0-9a-f]{64}$/m, 'the chain id');
    assert.ok(await exists(join(dir, `${name}.json`)), output);
    assert.equal((await stat(join(dir, `${name}.key`))).mode & 0o777, 0o600);
    assert.ok(!(await exists(join(REPO, `${name}.json`))), 'nothing in the package root');
    assert.ok(!(await exists(join(REPO, `${name}.key`))), 'no key in the package root');
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(join(REPO, `${name}.json`), { force: true });
    await rm(join(REPO, `${name}.key`), { force: true });
  }
});

test('.gitignore covers swarm keys and the README\'s net.json', () => {
  const ignored = spawnSync('git', ['check-ignore', 'swarm.key', 'sub/other.key', 'net.json'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(ignored.stdout.trim().split('\n').length, 3, ignored.stdout + ignored.stderr);
});
