/**
 * The template worker thread: builds block templates (template.ts) away from the node's event
 * loop, since scoring a block's contributions takes about a second. It loads the network's
 * dataset itself, once, from the source it was started with, and checks it against the genesis
 * of each request, and scores with its own pool of verifier threads when started with more than
 * one (src/verifier/). Requests and replies are plain structured-cloneable values.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChainParams } from '../../consensus/params.ts';
import type { Block } from '../../consensus/types.ts';
import { checkNetworkDataset } from '../../chain/dataset.ts';
import { describeError, isCodedError, type CodedErrorObject } from '../../trainer/coded-error.ts';
import { loadDataset, type DatasetSource } from '../gauntlet/dataset.ts';
import { buildTemplate, type TemplateOptions, type TemplateParent } from './template.ts';
import type { LossBatch } from '../../trainer/reference/loss-batch.ts';
import { lossBatchFor } from '../verifier/loss-pool.ts';

export interface TemplateThreadData {
  readonly source: DatasetSource;
  /** Threads scoring a block's contributions, this one included (1: this one alone). */
  readonly verifyThreads: number;
}

export interface BuildRequest {
  readonly id: number;
  readonly params: ChainParams;
  readonly parent: TemplateParent;
  readonly options: Omit<TemplateOptions, 'dataset' | 'lossBatch'>;
}

/** A coded error (VerifyError with its ban score, DatasetError, …) as data, or another error's message. */
export type ThreadFailure =
  | { readonly coded: CodedErrorObject }
  | { readonly name: string; readonly message: string };

export type BuildReply =
  | { readonly id: number; readonly ok: true; readonly block: Block; readonly skipped: number; readonly contributionsLeftOut: number }
  | { readonly id: number; readonly ok: false; readonly error: ThreadFailure };

function describe(err: unknown): ThreadFailure {
  if (isCodedError(err)) return { coded: err.toObject() };
  return { name: err instanceof Error ? err.name : 'Error', message: describeError(err) };
}

let lossBatch: Promise<LossBatch> | null = null;

async function handle(data: TemplateThreadData, request: BuildRequest): Promise<BuildReply> {
  const { id, params, parent, options } = request;
  try {
    let scoring = {};
    if ((options.contributions?.length ?? 0) > 0) {
      const dataset = await loadDataset(data.source);
      checkNetworkDataset(params, dataset);
      lossBatch ??= lossBatchFor(data.verifyThreads).then((pool) => pool.lossBatch);
      scoring = { dataset, lossBatch: await lossBatch };
    }
    const template = buildTemplate(params, parent, { ...options, ...scoring });
    return { id, ok: true, block: template.block, skipped: template.skipped, contributionsLeftOut: template.contributionsLeftOut };
  } catch (err) {
    return { id, ok: false, error: describe(err) };
  }
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as TemplateThreadData;
  // One request at a time, in order: each is a second of work on this thread anyway.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: BuildRequest) => {
    queue = queue.then(async () => port.postMessage(await handle(data, request)));
  });
}
