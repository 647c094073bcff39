/**
 * Which test files are fast and which are slow, so that `npm run test:unit` runs in seconds while
 * `npm test` still runs everything. A file is slow when it starts processes, a browser or several
 * libp2p hosts, or runs a long simulation; the rest run in-process and quickly. New files are unit
 * tests unless they sit in a slow folder or are listed here.
 *
 *   node test/suites.ts unit|slow|all   runs that suite on Node's test runner
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Whole folders of slow tests, and why. */
export const SLOW_FOLDERS: Readonly<Record<string, string>> = {
  'test/browser/': 'drives Chromium',
  'test/crash/': 'kills node processes mid-write',
  'test/e2e/': 'runs the CLI and whole testnets as processes',
  'test/multiprocess/': 'runs nodes as processes',
};

/** Slow files in otherwise fast folders, and why. */
export const SLOW_FILES: Readonly<Record<string, string>> = {
  'test/consensus/gauntlet-connect.test.ts': 'tampers with every report field of Gauntlet blocks (about 2 minutes)',
  'test/gauntlet/adversaries.test.ts': 'a 30-block simulation with every adversary',
  'test/gauntlet/incentives.test.ts': 'a 51-block simulation with every incentive attack (minutes)',
  'test/gauntlet/chain-state.test.ts': 'reorganisations across blocks with contributions (minutes)',
  'test/gauntlet/determinism.test.ts': 'replays a chain in child processes',
  'test/gauntlet/cross-version.test.ts': 'golden vectors and a replay under Node 22 in child processes (about 80 s)',
  'test/p2p/ban-file.test.ts': 'several libp2p hosts',
  'test/p2p/pool-exchange.test.ts': 'several libp2p hosts',
  'test/p2p/flood.test.ts': 'several libp2p hosts, 10,000 messages',
  'test/p2p/held-announcements.test.ts': 'several libp2p hosts',
  'test/p2p/networks.test.ts': 'several libp2p hosts',
  'test/p2p/partition.test.ts': 'several libp2p hosts mining apart',
  'test/p2p/propagation.test.ts': 'several libp2p hosts, a 200-block sync',
  'test/p2p/reqresp.test.ts': 'several libp2p hosts',
  'test/p2p/sync-faults.test.ts': 'several libp2p hosts',
  'test/trainer/engine-train.test.ts': 'trains on the Brown corpus until the loss falls (about a minute)',
  'test/src/node-cli.test.ts': 'runs the node CLI as processes',
  'test/src/wallet-cli.test.ts': 'runs the wallet CLI as processes',
};

export type Suite = 'unit' | 'slow' | 'all';

export function isSlow(file: string): boolean {
  return file in SLOW_FILES || Object.keys(SLOW_FOLDERS).some((folder) => file.startsWith(folder));
}

/** The suite's test files, sorted, as paths relative to the repository root. */
export function suiteFiles(suite: Suite, cwd: string): string[] {
  const all = globSync('test/**/*.test.ts', { cwd }).map((f) => f.split('\\').join('/')).sort();
  if (suite === 'all') return all;
  return all.filter((file) => isSlow(file) === (suite === 'slow'));
}

if (import.meta.main) {
  const suite = process.argv[2];
  if (suite !== 'unit' && suite !== 'slow' && suite !== 'all') {
    process.stderr.write(`usage: node test/suites.ts unit|slow|all (got ${JSON.stringify(suite ?? null)})\n`);
    process.exit(2);
  }
  const root = fileURLToPath(new URL('..', import.meta.url));
  const all = suiteFiles('all', root);
  const gone = Object.keys(SLOW_FILES).filter((file) => !all.includes(file));
  if (gone.length > 0) {
    process.stderr.write(`test/suites.ts lists slow files that do not exist: ${gone.join(', ')}\n`);
    process.exit(2);
  }
  const files = suiteFiles(suite, root);
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...process.argv.slice(3), ...files], { cwd: root, stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
