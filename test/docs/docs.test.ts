/**
 * The README and docs/*.md tell the truth about the program: the chain id they show is the one
 * genesis.json gives, every command they run exists with every option they pass, every RPC method
 * they call exists, and every option of every command is written down somewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainIdMentions, commandOptions, docFiles, invocations, isCurrent, namedOptions, repositoryChainId, rpcMethodNames } from './doc-facts.ts';

const files = docFiles();
const commands = commandOptions();

test('every chain id of the repository network shown in the docs is the one genesis.json gives', async () => {
  const chainId = await repositoryChainId();
  const mentions = chainIdMentions(files);
  assert.ok(mentions.length >= 4, `the docs show the chain id in several places, found ${mentions.length}`);
  const stale = mentions.filter((m) => !isCurrent(m, chainId));
  assert.deepEqual(
    stale.map((m) => `${m.file}:${m.line}: shows ${m.shown}${m.short ? '…' : ''}, genesis.json gives ${m.short ? `${chainId.slice(0, 12)}…` : chainId}`),
    [],
    'genesis.json changed: run `npm run docs:check -- --fix` to update these lines',
  );
});

test('every `gradientcoin` command the docs run exists, with every option they pass', () => {
  const found = invocations(files, commands);
  assert.ok(found.length >= 20, `found ${found.length} invocations`);
  const problems: string[] = [];
  for (const inv of found) {
    const options = commands.get(inv.command);
    if (!options) {
      problems.push(`${inv.file}:${inv.line}: \`gradientcoin ${inv.command}\` is not a command (${[...commands.keys()].join(', ')})`);
      continue;
    }
    for (const option of inv.options) {
      if (option !== '--help' && option !== '--version' && !options.has(option)) problems.push(`${inv.file}:${inv.line}: \`gradientcoin ${inv.command}\` has no ${option}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every RPC method the docs call exists', () => {
  const methods = rpcMethodNames();
  const problems = invocations(files, commands)
    .filter((inv) => inv.rpcMethod !== undefined && !methods.has(inv.rpcMethod))
    .map((inv) => `${inv.file}:${inv.line}: no RPC method ${inv.rpcMethod}`);
  assert.deepEqual(problems, []);
});

test('every option of every command is documented, and every option the docs name exists', () => {
  const named = namedOptions(files);
  const undocumented: string[] = [];
  const all = new Set<string>(['--help', '--version']);
  for (const [command, options] of commands) {
    for (const option of options) {
      all.add(option);
      if (!named.has(option)) undocumented.push(`gradientcoin ${command} ${option}`);
    }
  }
  assert.deepEqual(undocumented, [], 'write a line for each in the docs page of its command');
  // Options of other programs the docs mention on purpose (node's, npm's, curl's, geth's, a
  // contributor process's), and the one the wallet deliberately lacks.
  const foreign = new Set(['--package-lock-only', '--include', '--test', '--import', '--fix', '--prefix', '--noEmit', '--inspect', '--user', '--lightkdf', '--kind', '--password', '--no']);
  const unknown = [...named].filter((o) => !all.has(o) && !foreign.has(o) && !o.startsWith('--no-') && !o.startsWith('--test'));
  assert.deepEqual(unknown, [], 'the docs name options no command has');
});
