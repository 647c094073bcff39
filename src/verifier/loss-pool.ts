/**
 * A LossBatch that spreads a block's scoring losses over worker threads and the calling thread.
 *
 * LossBatch is synchronous (consensus calls it in the middle of a pure function), so the caller
 * posts the batch, laid out in shared memory (shared-batch.ts), to every thread, computes jobs
 * itself from the same counter, then blocks in Atomics.wait until every thread has left. Each
 * job is `preparedLoss` of its parameters on its windows, the same code in the same order as
 * sequentialLossBatch, and its loss lands in its own slot: the bits do not depend on the number
 * of threads or on which one computed what.
 *
 * A job that throws stops the batch: the caller rethrows its own error as is, or a LossPoolError
 * naming the job, the thread and the error for one thrown on a worker. A thread that dies is
 * noticed through shared memory, not an event the blocked caller could not see, and fails the
 * batch with a LossPoolError; the pool is then unusable.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { ParamLayout } from '../../trainer/layout.ts';
import type { LossBatch, LossJob } from '../../trainer/reference/loss-batch.ts';
import { sequentialLossBatch } from '../../trainer/reference/loss-batch.ts';
import { prepareModel, preparedLoss, type PreparedModel } from '../../trainer/reference/index.ts';
import { computeShare, type JobFailure } from './claim-loop.ts';
import type { FailureReport, ThreadSetup } from './loss-thread.ts';
import { CONTROL_FAILED, CONTROL_LEFT, CONTROL_THREADS, packBatch, type SharedBatch } from './shared-batch.ts';

export const MAX_VERIFY_WORKERS = 255;
/** How often a blocked caller looks whether a thread it waits for has died. */
const WAIT_SLICE_MS = 100;

export type LossPoolErrorCode = 'job-failed' | 'thread-died' | 'closed' | 'bad-workers';

export class LossPoolError extends Error {
  readonly code: LossPoolErrorCode;
  readonly reason: string;
  constructor(code: LossPoolErrorCode, reason: string) {
    super(`${code}: ${reason}`);
    this.name = 'LossPoolError';
    this.code = code;
    this.reason = reason;
  }
}

export interface LossPoolOptions {
  /** Worker threads besides the calling thread, 1 to 255. */
  readonly workers: number;
  /** Whether the calling thread computes a share too (default true; tests turn it off to aim a job at a worker). */
  readonly callerComputes?: boolean;
}

interface Thread {
  readonly worker: Worker;
  readonly reports: MessagePort;
}

export class LossWorkerPool {
  readonly workers: number;
  readonly #threads: readonly Thread[];
  readonly #alive: Int32Array;
  readonly #callerComputes: boolean;
  #closed = false;

  private constructor(threads: readonly Thread[], alive: Int32Array, callerComputes: boolean) {
    this.workers = threads.length;
    this.#threads = threads;
    this.#alive = alive;
    this.#callerComputes = callerComputes;
  }

  /** Starts the threads and waits until each is ready to take batches. */
  static async start(options: LossPoolOptions): Promise<LossWorkerPool> {
    const { workers } = options;
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_VERIFY_WORKERS) {
      throw new LossPoolError('bad-workers', `a loss pool needs 1 to ${MAX_VERIFY_WORKERS} worker threads, got ${workers}`);
    }
    const alive = new Int32Array(new SharedArrayBuffer(4 * workers)).fill(1);
    const threads: Thread[] = [];
    try {
      for (let index = 0; index < workers; index++) {
        const { port1, port2 } = new MessageChannel();
        const setup: ThreadSetup = { index, alive, reports: port2 };
        const worker = new Worker(new URL('./loss-thread.ts', import.meta.url), { workerData: setup, transferList: [port2] });
        threads.push({ worker, reports: port1 });
        await new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new LossPoolError('thread-died', `verifier thread ${index} exited while starting (code ${code})`)));
        });
        worker.removeAllListeners();
        worker.on('error', () => undefined); // a death is read from shared memory by the next batch
        worker.unref();
      }
    } catch (err) {
      await Promise.all(threads.map((t) => t.worker.terminate()));
      throw err;
    }
    return new LossWorkerPool(threads, alive, options.callerComputes ?? true);
  }

  /** The pool as the Gauntlet's LossBatch. */
  readonly lossBatch: LossBatch = (layout, jobs) => this.#run(layout, jobs);

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
  }

  #run(layout: ParamLayout, jobs: readonly LossJob[]): Float64Array {
    if (this.#closed) throw new LossPoolError('closed', 'the loss pool is closed');
    this.#checkAlive();
    if (jobs.length === 0) return new Float64Array(0);
    const batch = packBatch(layout.spec, layout.total, jobs, this.workers);
    for (const thread of this.#threads) thread.worker.postMessage(batch);
    const own = this.#callerComputes ? computeShare(batch, callerLoss(layout, jobs)) : null;
    this.#waitForThreads(batch);
    const reports = this.#threads.flatMap((t) => drain(t.reports));
    const failed = Atomics.load(batch.control, CONTROL_FAILED);
    if (failed !== 0) throw failure(failed - 1, own, reports);
    this.#checkAlive();
    return batch.results.slice(0, jobs.length);
  }

  /** Blocks until every worker thread has left the batch or died. */
  #waitForThreads(batch: SharedBatch): void {
    const { control } = batch;
    for (;;) {
      const left = Atomics.load(control, CONTROL_LEFT);
      if (left === this.workers) return;
      let waiting = false;
      for (let w = 0; w < this.workers; w++) {
        if (Atomics.load(control, CONTROL_THREADS + w) === 0 && Atomics.load(this.#alive, w) === 1) waiting = true;
      }
      if (!waiting) return;
      Atomics.wait(control, CONTROL_LEFT, left, WAIT_SLICE_MS);
    }
  }

  #checkAlive(): void {
    for (let w = 0; w < this.workers; w++) {
      if (Atomics.load(this.#alive, w) === 0) throw new LossPoolError('thread-died', `verifier thread ${w} has stopped; the loss pool cannot finish a batch`);
    }
  }
}

/** The caller's loss function: the jobs' own arrays, each parameter array prepared once. */
function callerLoss(layout: ParamLayout, jobs: readonly LossJob[]): (job: number) => number {
  const models = new Map<Float32Array, PreparedModel>();
  return (i) => {
    const job = jobs[i]!;
    let model = models.get(job.params);
    if (!model) {
      model = prepareModel(layout, job.params);
      models.set(job.params, model);
    }
    return preparedLoss(model, job.windows);
  };
}

function drain(port: MessagePort): FailureReport[] {
  const out: FailureReport[] = [];
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) out.push(m.message as FailureReport);
  return out;
}

/** The error for a failed batch: the caller's own as is; a worker's named with its job and thread. */
function failure(job: number, own: JobFailure | null, reports: readonly FailureReport[]): unknown {
  if (own && own.job === job) return own.error;
  const report = reports.find((r) => r.job === job) ?? reports[0];
  if (report) {
    const what = report.job >= 0 ? `loss job ${report.job}` : 'a batch';
    return new LossPoolError('job-failed', `${what} failed on verifier thread ${report.thread}: ${report.name}: ${report.message}`);
  }
  return new LossPoolError('thread-died', 'a verifier thread stopped in the middle of a batch');
}

/** `threads` computing threads in all (the caller counts as one): 1 is the sequential evaluator. */
export async function lossBatchFor(threads: number): Promise<{ lossBatch: LossBatch; close: () => Promise<void> }> {
  if (threads <= 1) return { lossBatch: sequentialLossBatch, close: async () => undefined };
  const pool = await LossWorkerPool.start({ workers: threads - 1 });
  return { lossBatch: pool.lossBatch, close: () => pool.close() };
}
