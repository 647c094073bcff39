// The layer rules of docs/architecture.md are enforced by eslint.config.js: these tests run ESLint
// through its Node API on fixture text placed in each layer, and on the tree itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The rule ids and messages ESLint reports for `code` as if it were the file at `path`. */
async function lintAs(path: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  assert.ok(result, 'ESLint returned no result');
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

const BOUNDARY_RULES = new Set(['no-restricted-imports', 'no-restricted-properties', 'no-restricted-globals']);

test('a consensus file that imports node:fs fails lint', async () => {
  const fixture = readFileSync(new URL('./fixtures/consensus-reads-disk.ts', import.meta.url), 'utf8');
  const messages = await lintAs('consensus/checkpoint-from-disk.ts', fixture);
  assert.equal(messages.length, 1, JSON.stringify(messages));
  assert.equal(messages[0]!.ruleId, 'no-restricted-imports');
  assert.match(messages[0]!.message, /'node:fs'.*do no I\/O/);
});

test('the same text is allowed in src/ and in trainer/io/', async () => {
  const fixture = readFileSync(new URL('./fixtures/consensus-reads-disk.ts', import.meta.url), 'utf8');
  assert.deepEqual(await lintAs('src/node/checkpoint-from-disk.ts', fixture), []);
  assert.deepEqual(await lintAs('trainer/io/checkpoint-from-disk.ts', fixture), []);
});

test('pure trainer files may not reach threads, tfjs, libp2p, the engine, chain/ or src/', async () => {
  const cases: [source: string, name: string][] = [
    ['node:worker_threads', '{ Worker }'],
    ['worker_threads', '{ Worker }'],
    ['@tensorflow/tfjs', '* as tf'],
    ['libp2p', '{ createLibp2p }'],
    ['level', '{ Level }'],
    ['../engine/train.ts', '{ trainSteps }'],
    ['../io/corpus-loader.ts', '{ loadBrownCorpus }'],
    ['../../chain/chain.ts', '{ Chain }'],
    ['../../src/node/full-node.ts', '{ FullNode }'],
  ];
  for (const [source, name] of cases) {
    const used = name.replace(/[{}]|\* as/g, '').trim();
    const messages = await lintAs('trainer/reference/probe.ts', `import ${name} from '${source}';\nexport const used = [${used}];\n`);
    assert.deepEqual(messages.map((m) => m.ruleId), ['no-restricted-imports'], `${source}: ${JSON.stringify(messages)}`);
    assert.ok(messages[0]!.message.includes(`'${source}'`), messages[0]!.message);
  }
});

test('consensus reads neither the clock nor Math.random', async () => {
  const messages = await lintAs('consensus/probe.ts', 'export const t = Date.now();\nexport const r = Math.random();\nexport const p = performance.now();\n');
  assert.deepEqual(messages.map((m) => m.ruleId), ['no-restricted-properties', 'no-restricted-properties', 'no-restricted-properties']);
});

test('consensus may use node:crypto and the hash packages', async () => {
  const code = "import { verify } from 'node:crypto';\nimport { blake3 } from '@noble/hashes/blake3.js';\nexport const used = [verify, blake3];\n";
  assert.deepEqual(await lintAs('consensus/probe.ts', code), []);
});

test('chain/ may not import src/, and src/ may import chain/', async () => {
  const up = await lintAs('chain/probe.ts', "import { FullNode } from '../src/node/full-node.ts';\nexport const used = [FullNode];\n");
  assert.deepEqual(up.map((m) => m.ruleId), ['no-restricted-imports']);
  assert.deepEqual(await lintAs('src/probe.ts', "import { Chain } from '../chain/chain.ts';\nexport const used = [Chain];\n"), []);
});

test('the tree keeps the layer rules', async () => {
  const results = await eslint.lintFiles(['consensus', 'trainer', 'chain']);
  const broken = results.flatMap((r) => r.messages.filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId)).map((m) => `${r.filePath}:${m.line} ${m.message}`));
  assert.deepEqual(broken, []);
  assert.ok(results.length > 100, `linted only ${results.length} files`);
});
