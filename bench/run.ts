/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line) and prints
 * one JSON document: {machine, results: {name: figures}}. Figures are measurements, never asserted.
 */
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { describeError } from '../trainer/coded-error.ts';

type BenchFn = () => Promise<Record<string, unknown>>;

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const results: Record<string, unknown> = {};
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stderr.write(`bench: ${name}...\n`);
  const mod = (await import(join(here, file))) as { default: BenchFn };
  try {
    results[name] = await mod.default();
  } catch (err) {
    results[name] = { error: describeError(err) };
  }
}

const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  platform: `${process.platform}-${process.arch}`,
};
process.stdout.write(JSON.stringify({ machine, results }, null, 2) + '\n');
