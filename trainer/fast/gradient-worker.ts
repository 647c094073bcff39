/**
 * The main thread's side of gradient-thread.ts: one worker per process, started on first use,
 * one job at a time. It holds the process open only while a job is under way. Callers check the
 * sequences first (batchRows), so an error from the thread is the engine's, not the caller's.
 */
import { Worker } from 'node:worker_threads';
import { EngineError } from '../engine/errors.ts';
import type { ModelSpec } from '../spec.ts';
import type { GradientAnswer, GradientJob } from './gradient-thread.ts';

export interface Gradient {
  readonly loss: number;
  readonly grads: Float32Array;
}

class GradientWorker {
  private readonly worker: Worker;
  private pending: { resolve: (g: Gradient) => void; reject: (e: Error) => void } | null = null;

  constructor() {
    this.worker = new Worker(new URL('./gradient-thread.ts', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (answer: GradientAnswer) => this.settle(answer));
    this.worker.on('error', (err) => this.fail(new EngineError('backend-failed', `the fast engine's worker thread failed: ${err.message}`)));
    this.worker.on('exit', (code) => {
      shared = null;
      this.fail(new EngineError('backend-failed', `the fast engine's worker thread exited (code ${code})`));
    });
  }

  /** The mean loss of `sequences` and its gradient, at `params` (copied: the caller keeps its array). */
  gradient(spec: ModelSpec, params: Float32Array, sequences: readonly Uint8Array[]): Promise<Gradient> {
    if (this.pending !== null) return Promise.reject(new Error('the gradient worker runs one job at a time'));
    const copy = params.slice();
    return new Promise<Gradient>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.ref();
      this.worker.postMessage({ spec, params: copy, sequences } satisfies GradientJob, [copy.buffer]);
    });
  }

  private settle(answer: GradientAnswer): void {
    const pending = this.pending;
    this.pending = null;
    this.worker.unref();
    if (pending === null) return;
    if ('error' in answer) pending.reject(new EngineError('backend-failed', `the fast engine's worker thread: ${answer.error}`));
    else pending.resolve(answer);
  }

  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(err);
  }
}

let shared: GradientWorker | null = null;

export function gradientWorker(): GradientWorker {
  shared ??= new GradientWorker();
  return shared;
}
