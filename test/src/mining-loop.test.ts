/**
 * The mining loop heals: after an unexpected error it logs why and starts again after a backoff
 * that doubles (and resets once a block is found), and stop() cuts a backoff short. Real CPU
 * miner threads search a real block's nonce; the template source fails on purpose at first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Block } from '../../consensus/types.ts';
import { checkHeaderSanity } from '../../consensus/header-rules.ts';
import { headerHash } from '../../chain/header.ts';
import { CpuMiner } from '../../src/miner/cpu-miner.ts';
import { MiningLoop } from '../../src/miner/mining-loop.ts';
import { BlockTree } from '../util/block-tree.ts';
import type { Logger } from '../../src/log.ts';

function capture(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log: Logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

test('an error restarts the loop after a doubling backoff, and it goes on mining', { timeout: 60_000 }, async () => {
  const tree = new BlockTree();
  const template = tree.extend(tree.genesis.hash);
  const miner = new CpuMiner({ threads: 1 });
  const { log, lines } = capture();
  let calls = 0;
  const startedAt: number[] = [];
  const found: Block[] = [];
  const loop = new MiningLoop({
    miner,
    log,
    restartBackoff: { firstMs: 40, maxMs: 80 },
    buildTemplate: async () => {
      calls++;
      startedAt.push(performance.now());
      if (calls <= 3) throw new Error(`template source unavailable (call ${calls})`);
      return template;
    },
    submit: async (block) => {
      found.push(block);
      if (found.length === 1) throw new Error('the chain refused to store it');
    },
  });
  try {
    loop.start();
    const deadline = Date.now() + 30_000;
    while (found.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await loop.stop();
    await miner.close();
  }
  assert.equal(found.length >= 2, true, 'mining went on after the errors');
  for (const block of found) {
    assert.deepEqual(block.header.parentHash, tree.genesis.hash);
    checkHeaderSanity(tree.params, block.header, headerHash(block.header));
  }
  assert.equal(loop.restarts, 4, 'three template failures and one submission failure');
  const failures = lines.filter((l) => l['level'] === 50);
  assert.deepEqual(
    failures.map((l) => l['restartInMs']),
    [40, 80, 80, 40],
    'the backoff doubles up to its cap, and starts over once a block is found',
  );
  assert.match(String(failures[0]!['msg']), /^mining failed \(template source unavailable \(call 1\)\); restarting in 40 ms$/);
  assert.match(String(failures[3]!['msg']), /the chain refused to store it/);
  // The waits were honoured.
  assert.ok(startedAt[1]! - startedAt[0]! >= 35 && startedAt[2]! - startedAt[1]! >= 75, JSON.stringify(startedAt));
});

test('stop() ends a backoff at once', { timeout: 30_000 }, async () => {
  const miner = new CpuMiner({ threads: 1 });
  const { log } = capture();
  const loop = new MiningLoop({
    miner,
    log,
    restartBackoff: { firstMs: 60_000, maxMs: 60_000 },
    buildTemplate: async () => {
      throw new Error('no template');
    },
    submit: async () => undefined,
  });
  try {
    loop.start();
    while (loop.restarts === 0) await new Promise((r) => setTimeout(r, 5));
    const before = performance.now();
    await loop.stop();
    assert.ok(performance.now() - before < 5_000, 'did not wait out the minute');
    assert.equal(loop.running, false);
  } finally {
    await miner.close();
  }
});
