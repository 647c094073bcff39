/**
 * The work stamp's cost at the default genesis (genesis.json's stampBits): stamp hashes per
 * second, the seconds one contributor spends finding a stamp (mean over a few payloads: the
 * search is a lottery), and what checking one costs, so the admission cost of a contribution is a
 * measured figure, not a guess.
 */
import { findStamp, checkStamp } from '../consensus/gauntlet/stamp.ts';
import { loadGenesis } from '../chain/genesis.ts';

export default async function stampBench(): Promise<Record<string, unknown>> {
  const g = await loadGenesis();
  const bits = g.params.gauntlet.stampBits;
  const fields = (i: number): { parentHash: Uint8Array; contributorPublicKey: Uint8Array; payload: Uint8Array } => ({
    parentHash: g.hash,
    contributorPublicKey: new Uint8Array(32).fill(i + 1),
    payload: new Uint8Array(6000).fill(i),
  });
  // Hash rate: a 12-bit search tries about 4,096 nonces; count them exactly.
  let tries = 0n;
  const rateStart = performance.now();
  for (let i = 0; i < 8; i++) tries += findStamp(12, fields(100 + i)) + 1n;
  const hashesPerSecond = Number(tries) / ((performance.now() - rateStart) / 1000);
  const runs = 6;
  const start = performance.now();
  const stamped = Array.from({ length: runs }, (_, i) => ({ ...fields(i), stamp: findStamp(bits, fields(i)) }));
  const secondsPerStamp = (performance.now() - start) / 1000 / runs;
  const checkStart = performance.now();
  for (let r = 0; r < 200; r++) for (const c of stamped) checkStamp(bits, c);
  const checkMicroseconds = ((performance.now() - checkStart) * 1000) / (200 * runs);
  return {
    stampBits: bits,
    hashesPerSecond: Math.round(hashesPerSecond),
    expectedSecondsPerStamp: Math.round((2 ** bits / hashesPerSecond) * 1000) / 1000,
    measuredSecondsPerStamp: Math.round(secondsPerStamp * 1000) / 1000,
    checkMicroseconds: Math.round(checkMicroseconds * 10) / 10,
  };
}
