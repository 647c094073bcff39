/**
 * Block templates built on a worker thread (template-thread.ts), so that the second a block's
 * Gauntlet takes does not stall the node's networking, RPC and chain. The thread is started on
 * first use and kept; it holds the process open only while a build is under way.
 */
import { Worker } from 'node:worker_threads';
import type { ChainParams } from '../../consensus/params.ts';
import type { Block } from '../../consensus/types.ts';
import { VerifyError, type VerifyCode } from '../../consensus/errors.ts';
import { DatasetError, type DatasetErrorCode } from '../../chain/dataset.ts';
import type { DatasetSource } from '../gauntlet/dataset.ts';
import type { BuildReply, BuildRequest, ThreadFailure } from './template-thread.ts';
import type { TemplateOptions, TemplateParent } from './template.ts';

/** A template from the thread: what template.ts's Template has, less the state (not sent back). */
export interface ThreadTemplate {
  readonly block: Block;
  readonly skipped: number;
  readonly contributionsLeftOut: number;
}

interface Pending {
  readonly resolve: (template: ThreadTemplate) => void;
  readonly reject: (err: Error) => void;
}

/** The thread's error as the caller would have seen it built in this thread. */
function revive(failure: ThreadFailure): Error {
  if (failure.name === 'VerifyError' && failure.code !== undefined) return new VerifyError(failure.code as VerifyCode, failure.reason ?? failure.message);
  if (failure.name === 'DatasetError' && failure.code !== undefined) return new DatasetError(failure.code as DatasetErrorCode, failure.reason ?? failure.message);
  const err = new Error(`template thread: ${failure.message}`);
  err.name = failure.name;
  return err;
}

export class TemplateWorker {
  readonly source: DatasetSource;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;

  /** `source`: where the thread loads the network's dataset from (src/gauntlet/dataset.ts). */
  constructor(source: DatasetSource) {
    this.source = source;
  }

  build(params: ChainParams, parent: TemplateParent, options: Omit<TemplateOptions, 'dataset'>): Promise<ThreadTemplate> {
    if (this.#closed) return Promise.reject(new Error('the template worker is closed'));
    const worker = this.#start();
    const id = this.#nextId++;
    // The state commitment is a live object of this thread: the worker builds from the maps.
    const plain: TemplateParent = { ...parent };
    delete (plain as { commitment?: unknown }).commitment;
    const request: BuildRequest = { id, params, parent: plain, options };
    return new Promise<ThreadTemplate>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    this.#fail(new Error('the template worker was closed'));
    if (worker) await worker.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./template-thread.ts', import.meta.url), { workerData: this.source });
    worker.unref();
    worker.on('message', (reply: BuildReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.ok) pending.resolve({ block: reply.block, skipped: reply.skipped, contributionsLeftOut: reply.contributionsLeftOut });
      else pending.reject(revive(reply.error));
    });
    worker.on('error', (err: Error) => {
      // A crashed thread fails what it had; the next build starts a new one.
      if (this.#worker === worker) this.#worker = null;
      this.#fail(err);
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = null;
      this.#fail(new Error(`the template thread exited (code ${code})`));
    });
    this.#worker = worker;
    return worker;
  }

  #fail(err: Error): void {
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
  }
}
