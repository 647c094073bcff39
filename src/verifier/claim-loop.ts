/**
 * The loop every thread of a batch runs, the caller's included: claim the next job from the shared
 * counter (in the batch's claiming order), compute its loss, write it into the job's own slot. Which thread computes a job changes
 * nothing but the time: the loss is the same function of the same inputs, and it lands by index.
 * The first failure stops every thread from claiming more.
 */
import { CONTROL_FAILED, CONTROL_NEXT, type SharedBatch } from './shared-batch.ts';

export interface JobFailure {
  readonly job: number;
  readonly error: unknown;
}

/** Claims and computes jobs until none is left or one has failed; returns this thread's failure, if any. */
export function computeShare(batch: SharedBatch, loss: (job: number) => number): JobFailure | null {
  const { control, results, count, order } = batch;
  while (Atomics.load(control, CONTROL_FAILED) === 0) {
    const claim = Atomics.add(control, CONTROL_NEXT, 1);
    if (claim >= count) return null;
    const job = order[claim]!;
    try {
      results[job] = loss(job);
    } catch (error) {
      Atomics.compareExchange(control, CONTROL_FAILED, 0, job + 1);
      return { job, error };
    }
  }
  return null;
}
