/**
 * What bench/gpu/run.sh prints: every backend's self-check verdict, then the training bench
 * (bench/train.bench.ts) with each backend's tokens/s beside the CPU engine's (the default
 * backend), as a table on stderr and JSON on stdout.
 */
import { cpus } from 'node:os';
import { availableBackends, DEFAULT_BACKEND, releaseBackends } from '../../trainer/engine/backends.ts';
import trainBench from '../train.bench.ts';

const statuses = await availableBackends();
releaseBackends();
process.stderr.write('backend self-checks:\n');
for (const s of statuses) process.stderr.write(`  ${s.name.padEnd(10)} ${s.status.padEnd(11)} ${s.description ?? s.reason ?? ''}\n`);

const training = await trainBench();
const backends = training['backends'] as Record<string, { trainTokensPerSecond: number; evalTokensPerSecond: number }>;
const cpuEngine = backends[DEFAULT_BACKEND]?.trainTokensPerSecond ?? null;
const rows = Object.entries(backends).map(([name, f]) => ({
  backend: name,
  trainTokensPerSecond: f.trainTokensPerSecond,
  evalTokensPerSecond: f.evalTokensPerSecond,
  timesCpuEngine: cpuEngine ? Math.round((f.trainTokensPerSecond / cpuEngine) * 100) / 100 : null,
}));
process.stderr.write(`training, default model, batch ${String(training['batch'])} (CPU engine: ${DEFAULT_BACKEND}):\n`);
for (const r of rows) {
  process.stderr.write(`  ${r.backend.padEnd(10)} ${String(r.trainTokensPerSecond).padStart(9)} tokens/s  ${r.timesCpuEngine ?? '?'}× the CPU engine\n`);
}
process.stdout.write(
  JSON.stringify({ machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }, selfChecks: statuses, training, rows }, null, 2) + '\n',
);
