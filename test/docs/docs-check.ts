/**
 * `npm run docs:check`: lists the places in README.md and docs/*.md that show the repository
 * network's chain id, and the ones a change of genesis.json left stale; `-- --fix` rewrites those
 * in place. Exit status 1 while any is stale (without --fix).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chainIdMentions, docFiles, isCurrent, REPO, repositoryChainId } from './doc-facts.ts';

const fix = process.argv.includes('--fix');
const chainId = await repositoryChainId();
const mentions = chainIdMentions(docFiles());
const stale = mentions.filter((m) => !isCurrent(m, chainId));
process.stdout.write(`genesis.json: chain id ${chainId}; shown in ${mentions.length} places, ${stale.length} stale\n`);
for (const m of stale) {
  const want = m.short ? chainId.slice(0, 12) : chainId;
  process.stdout.write(`  ${m.file}:${m.line}: ${m.shown}${m.short ? '…' : ''} → ${want}${m.short ? '…' : ''}\n`);
}
if (fix) {
  for (const file of new Set(stale.map((m) => m.file))) {
    const path = join(REPO, file);
    const lines = readFileSync(path, 'utf8').split('\n');
    for (const m of stale.filter((s) => s.file === file)) lines[m.line - 1] = lines[m.line - 1]!.replace(m.shown, m.short ? chainId.slice(0, 12) : chainId);
    writeFileSync(path, lines.join('\n'));
  }
  if (stale.length > 0) process.stdout.write('fixed\n');
} else if (stale.length > 0) {
  process.stdout.write('run `npm run docs:check -- --fix` to update them\n');
  process.exitCode = 1;
}
