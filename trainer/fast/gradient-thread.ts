/**
 * The worker thread of a two-thread training step: given the model's spec, its parameters and
 * some sequences, it answers with their mean loss and its gradient, computed by the same kernels
 * as the main thread. It keeps its model (and workspace) between steps.
 */
import { parentPort } from 'node:worker_threads';
import { paramLayout } from '../layout.ts';
import type { ModelSpec } from '../spec.ts';
import { FastModel } from './step.ts';

export interface GradientJob {
  readonly spec: ModelSpec;
  readonly params: Float32Array;
  readonly sequences: readonly Uint8Array[];
}

export type GradientAnswer = { readonly loss: number; readonly grads: Float32Array } | { readonly error: string };

let model: FastModel | null = null;
let modelSpec = '';

parentPort?.on('message', (job: GradientJob) => {
  try {
    const spec = JSON.stringify(job.spec);
    if (model === null || spec !== modelSpec) {
      model = new FastModel(paramLayout(job.spec), job.params);
      modelSpec = spec;
    } else {
      model.load(job.params);
    }
    const loss = model.pass(job.sequences, true);
    const grads = model.grads!.slice();
    parentPort!.postMessage({ loss, grads } satisfies GradientAnswer, [grads.buffer]);
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies GradientAnswer);
  }
});
