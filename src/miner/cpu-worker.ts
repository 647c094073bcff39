/**
 * One mining thread. It searches a nonce range of one job: writes each nonce in place into its own
 * copy of the header, double-SHA-256es it with node:crypto's one-shot hash (measured faster than
 * @noble/hashes for 240 bytes: bench/pow.bench.ts) and compares big-endian against the target
 * bytes. Every CHECK_INTERVAL hashes it adds its count to a shared counter and reads the shared
 * job word: when the miner has moved on (found, aborted, closed) it stops and reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hash } from 'node:crypto';
import { NONCE_OFFSET, hashMeetsTarget } from '../../consensus/pow/target.ts';

/** Shared with the miner at start: the job word and one hash counter per thread. */
export interface WorkerData {
  /** Int32Array over it: [0] holds the id of the job to work on; anything else means stop. */
  readonly control: SharedArrayBuffer;
  /** BigInt64Array over it: hashes done by each thread, ever. */
  readonly counters: SharedArrayBuffer;
  readonly index: number;
}

export interface JobMessage {
  readonly jobId: number;
  readonly header: Uint8Array;
  /** 32 big-endian bytes. */
  readonly target: Uint8Array;
  readonly startNonce: bigint;
  /** How many consecutive nonces from startNonce to try. */
  readonly count: number;
}

export interface Found {
  readonly nonce: bigint;
  readonly hash: Uint8Array;
}

export interface EndMessage {
  readonly jobId: number;
  readonly found: Found | null;
}

/** Small enough to stop within a millisecond or so, large enough that the check costs nothing. */
const CHECK_INTERVAL = 256;

function search(job: JobMessage, control: Int32Array, counters: BigInt64Array, index: number): Found | null {
  const header = Buffer.from(job.header);
  const target = job.target;
  // The nonce as two u32 halves, so the loop never touches a bigint.
  let lo = Number(job.startNonce & 0xffff_ffffn);
  let hi = Number(job.startNonce >> 32n);
  header.writeUInt32LE(hi, NONCE_OFFSET + 4);
  let remaining = job.count;
  while (remaining > 0 && Atomics.load(control, 0) === job.jobId) {
    const batch = remaining < CHECK_INTERVAL ? remaining : CHECK_INTERVAL;
    for (let i = 0; i < batch; i++) {
      header.writeUInt32LE(lo, NONCE_OFFSET);
      const digest = hash('sha256', hash('sha256', header, 'buffer'), 'buffer');
      if (hashMeetsTarget(digest, target)) {
        Atomics.add(counters, index, BigInt(i + 1));
        return { nonce: (BigInt(hi) << 32n) | BigInt(lo), hash: new Uint8Array(digest) };
      }
      lo = (lo + 1) >>> 0;
      if (lo === 0) {
        hi = (hi + 1) >>> 0;
        header.writeUInt32LE(hi, NONCE_OFFSET + 4);
      }
    }
    remaining -= batch;
    Atomics.add(counters, index, BigInt(batch));
  }
  return null;
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as WorkerData;
  const control = new Int32Array(data.control);
  const counters = new BigInt64Array(data.counters);
  port.on('message', (job: JobMessage) => {
    const end: EndMessage = { jobId: job.jobId, found: search(job, control, counters, data.index) };
    port.postMessage(end);
  });
}
