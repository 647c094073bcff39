/**
 * The seam between the Gauntlet and whatever computes its losses. Every loss consensus needs is a
 * job, "the mean reference loss of these parameters on these windows"; the Gauntlet builds all of
 * a block's jobs, asks for them in one call, and reads the answers by position. Each job's value
 * is `preparedLoss` of that model on those windows, computed by the same code in the same order
 * whoever runs it, so a runner that spreads jobs over threads (src/) returns the same bits as the
 * sequential one here.
 */
import type { ParamLayout } from '../layout.ts';
import type { PreparedModel } from './model.ts';
import { prepareModel } from './model.ts';
import { preparedLoss } from './loss.ts';

export interface LossJob {
  /** The model's parameters in the layout's order. Jobs may share one array: it is read, never written. */
  readonly params: Float32Array;
  /** Sequences of 2 to contextLength + 1 bytes; the loss is their mean next-byte cross-entropy. */
  readonly windows: readonly Uint8Array[];
}

/** Computes every job's mean loss, raw (NaN and ∞ as the evaluator gives them): result[i] is job i's. */
export type LossBatch = (layout: ParamLayout, jobs: readonly LossJob[]) => Float64Array;

/** Runs the jobs in this thread, one after another; a parameter array shared by jobs is prepared once. */
export const sequentialLossBatch: LossBatch = (layout, jobs) => {
  const prepared = new Map<Float32Array, PreparedModel>();
  const out = new Float64Array(jobs.length);
  jobs.forEach((job, i) => {
    let model = prepared.get(job.params);
    if (model === undefined) {
      model = prepareModel(layout, job.params);
      prepared.set(job.params, model);
    }
    out[i] = preparedLoss(model, job.windows);
  });
  return out;
};
