/**
 * The CPU miner: worker threads that split a job's nonce space into disjoint ranges and search it
 * for a header hash at or below the target. The node aborts a job when its tip changes and starts
 * another; threads are started once and kept for the miner's life.
 *
 * Coordination is through shared memory rather than messages, so that a busy thread needs no event
 * loop turn to hear about it: one Int32 holds the current job's id (threads stop as soon as it
 * changes) and one BigInt64 per thread counts hashes (read for hashRate()). Idle threads are
 * unref'd, so a miner that is never closed still lets the process exit.
 */
import { Worker } from 'node:worker_threads';
import { HEADER_SIZE, MAX_TARGET, NONCE_OFFSET, targetToBytes } from '../../consensus/pow/target.ts';
import type { EndMessage, Found, JobMessage, WorkerData } from './cpu-worker.ts';

export interface CpuMinerOptions {
  /** Worker threads to search with (at least 1). */
  readonly threads: number;
}

export interface MiningJob {
  /** The 240-byte header; its nonce field is overwritten by the search. Not modified. */
  readonly header: Uint8Array;
  /** The header hash, read big-endian, must be ≤ this. */
  readonly target: bigint;
  /** First nonce to try (default 0); the search covers [startNonce, 2^64). */
  readonly startNonce?: bigint;
}

export interface MiningResult {
  readonly nonce: bigint;
  /** The block hash of `header`. */
  readonly hash: Uint8Array;
  /** A copy of the job's header with the winning nonce written in. */
  readonly header: Uint8Array;
}

interface RunningJob {
  readonly id: number;
  readonly header: Uint8Array;
  readonly startedAt: number;
  readonly startHashes: bigint;
  ended: number;
  found: Found | null;
  aborted: boolean;
  readonly resolve: (result: MiningResult | null) => void;
  readonly reject: (err: Error) => void;
}

const NONCE_SPACE = 1n << 64n;
/** hashRate() averages over about this much recent mining time (older samples decay by halves). */
const RATE_WINDOW_MS = 4000;

export class CpuMiner {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly control: Int32Array;
  private readonly counters: BigInt64Array;
  private lastJobId = 0;
  private job: RunningJob | null = null;
  private failure: Error | null = null;
  private closed = false;
  private liveCount = 0;
  private sampleHashes = 0;
  private sampleMs = 0;

  constructor(options: CpuMinerOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${options.threads}`);
    }
    this.threads = options.threads;
    const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const counters = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT * options.threads);
    this.control = new Int32Array(control);
    this.counters = new BigInt64Array(counters);
    for (let index = 0; index < options.threads; index++) {
      const workerData: WorkerData = { control, counters, index };
      const worker = new Worker(new URL('./cpu-worker.ts', import.meta.url), { workerData });
      worker.unref();
      worker.on('message', (msg: EndMessage) => this.onEnd(msg));
      worker.on('error', (err: Error) => this.fail(err));
      worker.on('exit', () => {
        this.liveCount--;
        if (!this.closed) this.fail(new Error('a mining thread exited unexpectedly'));
      });
      this.workers.push(worker);
      this.liveCount++;
    }
  }

  /** Threads still running (0 once close() has resolved). */
  get liveThreads(): number {
    return this.liveCount;
  }

  /**
   * Searches for a nonce. Resolves with the first one found, or null when the signal aborts first
   * or the whole range [startNonce, 2^64) holds none. One job at a time.
   */
  mine(job: MiningJob, signal: AbortSignal): Promise<MiningResult | null> {
    if (this.closed) return Promise.reject(new Error('the miner is closed'));
    if (this.failure) return Promise.reject(this.failure);
    if (this.job) return Promise.reject(new Error('the miner is already running a job'));
    if (job.header.length !== HEADER_SIZE) {
      return Promise.reject(new RangeError(`a header is ${HEADER_SIZE} bytes, got ${job.header.length}`));
    }
    if (job.target < 0n || job.target > MAX_TARGET) return Promise.reject(new RangeError('target must be in [0, 2^256)'));
    const startNonce = job.startNonce ?? 0n;
    if (startNonce < 0n || startNonce >= NONCE_SPACE) return Promise.reject(new RangeError('startNonce must be a u64'));
    if (signal.aborted) return Promise.resolve(null);

    // Job ids are never 0, the word's "stop" value.
    const id = this.lastJobId >= 0x7fff_ffff ? 1 : this.lastJobId + 1;
    this.lastJobId = id;
    const header = Uint8Array.from(job.header);
    const target = targetToBytes(job.target);
    return new Promise<MiningResult | null>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.job?.id !== id) return;
        if (!this.job.found) this.job.aborted = true;
        Atomics.store(this.control, 0, 0);
      };
      this.job = {
        id,
        header,
        startedAt: performance.now(),
        startHashes: this.hashesDone(),
        ended: 0,
        found: null,
        aborted: false,
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      Atomics.store(this.control, 0, id);
      const span = NONCE_SPACE - startNonce;
      const share = span / BigInt(this.threads);
      this.workers.forEach((worker, i) => {
        const first = startNonce + share * BigInt(i);
        const count = i === this.threads - 1 ? span - share * BigInt(i) : share;
        const message: JobMessage = {
          jobId: id,
          header,
          target,
          startNonce: first,
          // Beyond 2^53 nonces per thread the range is, in practice, endless.
          count: count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count),
        };
        worker.ref();
        worker.postMessage(message);
      });
    });
  }

  /** Hashes per second over the recent mining time (0 before any work). */
  hashRate(): number {
    let hashes = this.sampleHashes;
    let ms = this.sampleMs;
    if (this.job) {
      hashes += Number(this.hashesDone() - this.job.startHashes);
      ms += performance.now() - this.job.startedAt;
    }
    return ms > 0 ? (hashes * 1000) / ms : 0;
  }

  /** Stops any job (it resolves null) and ends every thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, 0, 0);
    const job = this.job;
    if (job) {
      this.job = null;
      job.resolve(job.found ? this.result(job, job.found) : null);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private onEnd(msg: EndMessage): void {
    const job = this.job;
    if (!job || msg.jobId !== job.id) return;
    if (msg.found && !job.found && !job.aborted) {
      job.found = msg.found;
      Atomics.store(this.control, 0, 0);
    }
    job.ended++;
    if (job.ended < this.threads) return;
    // Every thread has stopped: only now may the next job reuse the control word.
    this.job = null;
    for (const w of this.workers) w.unref();
    this.addSample(Number(this.hashesDone() - job.startHashes), performance.now() - job.startedAt);
    job.resolve(job.found ? this.result(job, job.found) : null);
  }

  private result(job: RunningJob, found: Found): MiningResult {
    const header = Uint8Array.from(job.header);
    new DataView(header.buffer).setBigUint64(NONCE_OFFSET, found.nonce, true);
    return { nonce: found.nonce, hash: found.hash, header };
  }

  private fail(err: Error): void {
    if (this.closed || this.failure) return;
    this.failure = err;
    Atomics.store(this.control, 0, 0);
    const job = this.job;
    this.job = null;
    job?.reject(err);
    for (const w of this.workers) void w.terminate();
  }

  /** Hashes computed by all threads since the miner started. */
  hashesDone(): bigint {
    let total = 0n;
    for (let i = 0; i < this.threads; i++) total += Atomics.load(this.counters, i);
    return total;
  }

  private addSample(hashes: number, ms: number): void {
    this.sampleHashes += hashes;
    this.sampleMs += ms;
    while (this.sampleMs > RATE_WINDOW_MS) {
      this.sampleHashes /= 2;
      this.sampleMs /= 2;
    }
  }
}
