import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuMiner } from '../../src/miner/cpu-miner.ts';
import { NONCE_OFFSET, hashToBigInt, powHash } from '../../consensus/pow/target.ts';

const makeHeader = (): Uint8Array => Uint8Array.from({ length: 240 }, (_, i) => (i * 7) & 0xff);
const header = makeHeader();
const MAX = (1n << 256n) - 1n;
const never = (): AbortSignal => new AbortController().signal;

function nonceIn(h: Uint8Array): bigint {
  return new DataView(h.buffer, h.byteOffset).getBigUint64(NONCE_OFFSET, true);
}

test('finds a nonce for an easy target, and the result verifies', { timeout: 60_000 }, async () => {
  const miner = new CpuMiner({ threads: 2 });
  try {
    const target = 1n << 244n; // one hash in 4096 on average
    const result = await miner.mine({ header, target }, never());
    assert.ok(result);
    assert.equal(nonceIn(result.header), result.nonce);
    assert.deepEqual(powHash(result.header), result.hash);
    assert.ok(hashToBigInt(result.hash) <= target);
    // Only the nonce changed, and the job's header was left alone.
    assert.deepEqual(result.header.subarray(0, NONCE_OFFSET), header.subarray(0, NONCE_OFFSET));
    assert.deepEqual(result.header.subarray(NONCE_OFFSET + 8), header.subarray(NONCE_OFFSET + 8));
    assert.deepEqual(header, makeHeader());
    assert.ok(miner.hashRate() > 0);
  } finally {
    await miner.close();
  }
});

test('searches from startNonce, carrying into the high word of the nonce', { timeout: 60_000 }, async () => {
  const miner = new CpuMiner({ threads: 1 });
  try {
    const startNonce = 0xffff_ffffn - 2n;
    const result = await miner.mine({ header, target: 1n << 248n, startNonce }, never());
    assert.ok(result);
    assert.ok(result.nonce >= startNonce);
    assert.deepEqual(powHash(result.header), result.hash);
    assert.ok(hashToBigInt(result.hash) <= 1n << 248n);
    // The range beyond the last nonce is empty: nothing can be found, the job ends with null.
    assert.equal(await miner.mine({ header, target: 0n, startNonce: (1n << 64n) - 1n }, never()), null);
  } finally {
    await miner.close();
  }
});

test('abort stops the search and resolves null; hashRate reflects the work done', { timeout: 60_000 }, async () => {
  const miner = new CpuMiner({ threads: 2 });
  try {
    const controller = new AbortController();
    const pending = miner.mine({ header, target: 0n }, controller.signal);
    await assert.rejects(miner.mine({ header, target: 0n }, never()), /already running/);
    // Abort once the threads have counted work (on a loaded machine they may take a while to start).
    const deadline = Date.now() + 30_000;
    while (miner.hashRate() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    assert.equal(await pending, null);
    assert.ok(miner.hashRate() > 0);
    // The miner is free again, and an already aborted signal costs nothing.
    assert.equal(await miner.mine({ header, target: MAX }, AbortSignal.abort()), null);
    const again = await miner.mine({ header, target: MAX }, never());
    assert.ok(again);
  } finally {
    await miner.close();
  }
});

test('rejects malformed jobs', async () => {
  const miner = new CpuMiner({ threads: 1 });
  try {
    await assert.rejects(miner.mine({ header: new Uint8Array(80), target: 1n }, never()), /240 bytes/);
    await assert.rejects(miner.mine({ header, target: -1n }, never()), RangeError);
    await assert.rejects(miner.mine({ header, target: 1n, startNonce: 1n << 64n }, never()), RangeError);
    assert.throws(() => new CpuMiner({ threads: 0 }), RangeError);
  } finally {
    await miner.close();
  }
  await assert.rejects(miner.mine({ header, target: 1n }, never()), /closed/);
});

test('close() ends the threads, even mid-job, and the process exits', { timeout: 60_000 }, (t) => {
  const minerUrl = new URL('../../src/miner/cpu-miner.ts', import.meta.url).href;
  const dir = mkdtempSync(join(tmpdir(), 'miner-close-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'close.mjs');
  // An impossible target: without close() the job, and so the process, would run forever.
  writeFileSync(script, `
    import { CpuMiner } from ${JSON.stringify(minerUrl)};
    const miner = new CpuMiner({ threads: 2 });
    const pending = miner.mine({ header: new Uint8Array(240), target: 0n }, new AbortController().signal);
    setTimeout(async () => {
      await miner.close();
      console.log('result', await pending, 'live', miner.liveThreads);
    }, 300);
  `);
  const child = spawnSync(process.execPath, [script], {
    encoding: 'utf8',
    timeout: 30_000,
    // Without this the child would take itself for a test-runner subprocess.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  assert.equal(child.signal, null, 'the process had to be killed: threads kept it alive');
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /result null live 0/);
});
