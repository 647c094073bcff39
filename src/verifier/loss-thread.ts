/**
 * A verifier thread: waits for batches (shared-batch.ts), computes its share of each with the
 * reference evaluator (claim-loop.ts), and says it has left. Each distinct parameter array is
 * prepared once per batch on this thread. A job's failure is described on the thread's report
 * port, which the caller reads synchronously; if the thread itself dies, its exit handler marks it
 * gone in shared memory so the caller never waits for it in vain.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { paramLayout, type ParamLayout } from '../../trainer/layout.ts';
import type { ModelSpec } from '../../trainer/spec.ts';
import { prepareModel, preparedLoss, type PreparedModel } from '../../trainer/reference/index.ts';
import { computeShare, type JobFailure } from './claim-loop.ts';
import { batchParams, batchWindows, CONTROL_FAILED, CONTROL_LEFT, CONTROL_THREADS, type SharedBatch } from './shared-batch.ts';

export interface ThreadSetup {
  /** This thread's number, 0 …, among the pool's worker threads. */
  readonly index: number;
  /** One word per worker thread, 1 while it runs. */
  readonly alive: Int32Array;
  readonly reports: MessagePort;
}

/** A failed job as the caller reports it. */
export interface FailureReport {
  readonly job: number;
  readonly thread: number;
  readonly name: string;
  readonly message: string;
}

export function describeFailure(failure: JobFailure, thread: number): FailureReport {
  const { error } = failure;
  return error instanceof Error
    ? { job: failure.job, thread, name: error.name, message: error.message }
    : { job: failure.job, thread, name: 'Error', message: String(error) };
}

function leave(batch: SharedBatch, index: number): void {
  Atomics.store(batch.control, CONTROL_THREADS + index, 1);
  Atomics.add(batch.control, CONTROL_LEFT, 1);
  Atomics.notify(batch.control, CONTROL_LEFT);
}

function layoutFor(cache: Map<string, ParamLayout>, spec: ModelSpec): ParamLayout {
  const key = JSON.stringify(spec);
  let layout = cache.get(key);
  if (!layout) {
    layout = paramLayout(spec);
    cache.set(key, layout);
  }
  return layout;
}

function serve(port: MessagePort, setup: ThreadSetup): void {
  const layouts = new Map<string, ParamLayout>();
  let current: SharedBatch | null = null;
  process.on('exit', () => {
    Atomics.store(setup.alive, setup.index, 0);
    if (current) {
      Atomics.compareExchange(current.control, CONTROL_FAILED, 0, -1);
      leave(current, setup.index);
    }
  });
  port.on('message', (batch: SharedBatch) => {
    current = batch;
    let failure: JobFailure | null = null;
    try {
      const layout = layoutFor(layouts, batch.spec);
      const models = new Map<number, PreparedModel>();
      const lists = new Map<number, Uint8Array[]>();
      failure = computeShare(batch, (job) => {
        const p = batch.jobs[2 * job]!;
        const l = batch.jobs[2 * job + 1]!;
        let model = models.get(p);
        if (!model) {
          model = prepareModel(layout, batchParams(batch, p));
          models.set(p, model);
        }
        let windows = lists.get(l);
        if (!windows) {
          windows = batchWindows(batch, l);
          lists.set(l, windows);
        }
        return preparedLoss(model, windows);
      });
    } catch (error) {
      Atomics.compareExchange(batch.control, CONTROL_FAILED, 0, -1);
      failure = { job: -1, error };
    } finally {
      if (failure) setup.reports.postMessage(describeFailure(failure, setup.index));
      current = null;
      leave(batch, setup.index);
    }
  });
  port.postMessage('ready');
}

if (parentPort) serve(parentPort, workerData as ThreadSetup);
