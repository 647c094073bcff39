/**
 * What a flood of transfers costs the mempool: refusals by the relay policy (no fee, dust), which
 * run before the signature is checked, against refusals that need the signature checked (a forged
 * transfer paying a fee), and transfers accepted. Per second, one thread.
 */
import type { Account, Transfer } from '../consensus/types.ts';
import { toHexKey } from '../consensus/bytes.ts';
import { Mempool } from '../src/mempool/mempool.ts';
import { MempoolError } from '../src/mempool/errors.ts';
import { testKeys, testParams, transfer } from '../test/util/fixtures.ts';

const params = testParams();
const keys = testKeys(64);

function rate(txs: readonly Transfer[], pool: () => Mempool, expect: string): number {
  const p = pool();
  const start = performance.now();
  for (const tx of txs) {
    try {
      p.add(tx);
      if (expect !== 'accepted') throw new Error(`expected ${expect}`);
    } catch (err) {
      if (!(err instanceof MempoolError) || err.code !== expect) throw err;
    }
  }
  return Math.round(txs.length / ((performance.now() - start) / 1000));
}

export default async function bench(): Promise<Record<string, unknown>> {
  const n = 2_000;
  const funded = new Map<string, Account>(keys.map((k) => [toHexKey(k.address), { balance: 10n ** 15n, nonce: 0n }]));
  const pool = (): Mempool => new Mempool(params, funded, { maxPerSender: n });
  const make = (i: number, amount: bigint, fee: bigint): Transfer => transfer(params, keys[i % 32]!, keys[32 + (i % 32)]!.address, amount, fee, BigInt(Math.floor(i / 32)));
  const zeroFee = Array.from({ length: n }, (_, i) => make(i, 1_000_000n, 0n));
  const dust = Array.from({ length: n }, (_, i) => make(i, 1n, 10_000n));
  const forged = Array.from({ length: n }, (_, i) => ({ ...make(i, 1_000_000n, 10_000n), amount: 1_000_001n }));
  const good = Array.from({ length: n }, (_, i) => make(i, 1_000_000n, 10_000n));
  return {
    transfers: n,
    zeroFeeRefusedPerSecond: rate(zeroFee, pool, 'fee-rate-too-low'),
    dustRefusedPerSecond: rate(dust, pool, 'dust'),
    forgedRefusedPerSecond: rate(forged, pool, 'invalid'),
    acceptedPerSecond: rate(good, pool, 'accepted'),
  };
}
