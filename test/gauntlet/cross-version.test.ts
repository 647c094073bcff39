/**
 * Cross-version determinism: the consensus results must not depend on the Node release a node
 * runs. Node 22 comes from npm, the `node` package installed in test/setup/node22 by
 * test/setup/ensure-node22.sh (npm test's pretest; NODE22_BINARY overrides the path), and this
 * process is the project's Node 24. Under Node 22:
 * - every golden-vector test (the tests named "golden" in consensus/, trainer/ and gauntlet/)
 *   passes, so the pinned hashes, roots, losses and bytes come out bit for bit;
 * - a chain whose blocks carry honest and adversarial contributions, built here, replays in a
 *   Node 22 process and a Node 24 process to the same model hash and state root at every height,
 *   each equal to what its header commits to.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../util/block-tree.ts';
import { chainToReplay } from './chain-to-replay.ts';
import { replayInProcess } from './replay-process.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NODE22 = process.env['NODE22_BINARY'] ?? join(REPO, 'test', 'setup', 'node22', 'node_modules', 'node', 'bin', 'node');
const root = tempDir('cross-version');
after(() => rmSync(root, { recursive: true, force: true }));

/** Test files that pin golden values: every one that names a golden vector. */
function goldenFiles(): string[] {
  const out: string[] = [];
  for (const folder of ['test/consensus', 'test/trainer', 'test/gauntlet']) {
    for (const name of readdirSync(join(REPO, folder)).sort()) {
      if (!name.endsWith('.test.ts') || name === 'cross-version.test.ts') continue;
      const path = join(REPO, folder, name);
      if (/golden/i.test(readFileSync(path, 'utf8'))) out.push(path);
    }
  }
  return out;
}

function run(binary: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Without the runner's NODE_TEST_CONTEXT, the child reports as a top-level run (TAP on stdout).
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_TEST_CONTEXT'));
    const child = spawn(binary, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('Node 22 from npm is installed', () => {
  assert.ok(existsSync(NODE22), `no Node 22 binary at ${NODE22}: run bash test/setup/ensure-node22.sh (npm test runs it first)`);
  assert.match(execFileSync(NODE22, ['--version'], { encoding: 'utf8' }), /^v22\.\d+\.\d+\n$/);
  assert.match(process.version, /^v24\./, 'the tests themselves run on the project Node 24');
});

test('the golden vectors hold under Node 22', { timeout: 120_000 }, async () => {
  const files = goldenFiles();
  assert.ok(files.length >= 10, `found ${files.length} golden test files`);
  const { code, output } = await run(NODE22, ['--test', '--test-reporter=tap', '--test-concurrency=2', '--test-name-pattern=golden', ...files]);
  assert.equal(code, 0, output.slice(-4_000));
  const passed = Number(/^# pass (\d+)$/m.exec(output)?.[1] ?? 0);
  assert.ok(passed >= 20, `Node 22 passed ${passed} golden tests`);
  assert.match(output, /^# fail 0$/m);
});

test('a chain with contributions replays to the same bits under Node 22 and Node 24', { timeout: 240_000 }, async () => {
  const { blocks, file, expected } = await chainToReplay(root, 4);
  assert.equal(new Set(expected.map((r) => r.modelHash)).size, 4, 'the model moved in every block');
  assert.ok(blocks.every((b) => b.contributions.length === 5));
  const [under22, under24] = await Promise.all([replayInProcess(file, join(root, 'node22'), NODE22), replayInProcess(file, join(root, 'node24'))]);
  assert.deepEqual(under22, expected);
  assert.deepEqual(under24, expected);
});
