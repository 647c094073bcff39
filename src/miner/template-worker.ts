/**
 * Block templates built on a worker thread (template-thread.ts), so that the second a block's
 * Gauntlet takes does not stall the node's networking, RPC and chain. The thread is started on
 * first use and kept; it holds the process open only while a build is under way.
 */
import { Worker } from 'node:worker_threads';
import type { ChainParams } from '../../consensus/params.ts';
import type { Block } from '../../consensus/types.ts';
import { VerifyError } from '../../consensus/errors.ts';
import { DatasetError } from '../../chain/dataset.ts';
import { reviveError } from '../../trainer/coded-error.ts';
import type { DatasetSource } from '../gauntlet/dataset.ts';
import type { BuildReply, BuildRequest, TemplateThreadData, ThreadFailure } from './template-thread.ts';
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

/** The thread's error as the caller would have seen it built in this thread (a VerifyError keeps its ban score). */
function revive(failure: ThreadFailure): Error {
  if ('coded' in failure) return reviveError(failure.coded, [VerifyError, DatasetError]);
  const err = new Error(`template thread: ${failure.message}`);
  err.name = failure.name;
  return err;
}

export class TemplateWorker {
  readonly source: DatasetSource;
  readonly verifyThreads: number;
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;

  /**
   * `source`: where the thread loads the network's dataset from (src/gauntlet/dataset.ts);
   * `verifyThreads`: threads scoring a block's contributions there (1: the template thread alone).
   */
  constructor(source: DatasetSource, verifyThreads = 1) {
    this.source = source;
    this.verifyThreads = verifyThreads;
  }

  build(params: ChainParams, parent: TemplateParent, options: Omit<TemplateOptions, 'dataset' | 'lossBatch'>): Promise<ThreadTemplate> {
    if (this.#closed) return Promise.reject(new Error('the template worker is closed'));
    const worker = this.#start();
    const id = this.#nextId++;
    // The state commitment is a live tree with methods, which structured cloning cannot carry:
    // the thread builds its own from the accounts and ratings.
    const { commitment: _live, ...plainParent } = parent;
    const request: BuildRequest = { id, params, parent: plainParent, options };
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
    const worker = new Worker(new URL('./template-thread.ts', import.meta.url), { workerData: { source: this.source, verifyThreads: this.verifyThreads } satisfies TemplateThreadData });
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
