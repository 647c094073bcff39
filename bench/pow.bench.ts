/**
 * Proof-of-work speed: double SHA-256 of a 240-byte header on one thread with node:crypto's
 * one-shot hash and with @noble/hashes (the miner uses the faster), and the CPU miner's rate
 * with 1 and 2 threads on an impossible target.
 */
import { hash } from 'node:crypto';
import { cpus } from 'node:os';
import { sha256 } from '@noble/hashes/sha2.js';
import { CpuMiner } from '../src/miner/cpu-miner.ts';
import { NONCE_OFFSET } from '../consensus/pow/target.ts';

const SECONDS = 2;

function hashesPerSecond(doubleSha: (header: Uint8Array) => Uint8Array): number {
  const header = Buffer.alloc(240, 7);
  let n = 0;
  let sink = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const warm = performance.now() + 200;
  while (performance.now() < warm) sink ^= doubleSha(header)[0]!;
  const start = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 1000; i++, n++) {
      header.writeUInt32LE(n, NONCE_OFFSET);
      sink ^= doubleSha(header)[0]!;
    }
  }
  if (sink === 256) console.log(sink); // keeps the hashes observable
  return Math.round((n * 1000) / (performance.now() - start));
}

async function minerRate(threads: number): Promise<number> {
  const miner = new CpuMiner({ threads });
  try {
    const run = async (ms: number): Promise<void> => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), ms);
      await miner.mine({ header: new Uint8Array(240), target: 0n }, controller.signal);
      clearTimeout(timer);
    };
    await run(300); // threads start and warm up
    const before = miner.hashesDone();
    const start = performance.now();
    await run(SECONDS * 1000);
    return Math.round((Number(miner.hashesDone() - before) * 1000) / (performance.now() - start));
  } finally {
    await miner.close();
  }
}

export default async (): Promise<Record<string, unknown>> => {
  const nodeCrypto = hashesPerSecond((h) => hash('sha256', hash('sha256', h, 'buffer'), 'buffer'));
  const noble = hashesPerSecond((h) => sha256(sha256(h)));
  return {
    cores: cpus().length,
    headerHashesPerSecond: { nodeCrypto, noble },
    minerHashesPerSecond: { threads1: await minerRate(1), threads2: await minerRate(2) },
  };
};
