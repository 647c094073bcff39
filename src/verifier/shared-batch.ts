/**
 * A LossBatch call laid out in shared memory, so that worker threads read the same parameters and
 * windows without a copy each, claim jobs from one counter and write each loss into its own slot.
 *
 * Distinct parameter arrays (jobs share them: θ appears in many) and distinct window lists are
 * stored once; a job is a pair of indices into them. The control words are the only mutable
 * shared state: the next job to claim, how many threads have left the batch, and the first job
 * that failed (0 when none, else job + 1), and a word per worker thread set when it has left.
 *
 * Jobs are claimed longest first (by bytes scored; ties in job order), so the batch does not end
 * with one thread working through a long job while the others wait. Where each loss lands, and so
 * the result, does not depend on it.
 */
import type { ModelSpec } from '../../trainer/spec.ts';
import type { LossJob } from '../../trainer/reference/loss-batch.ts';

export const CONTROL_NEXT = 0;
export const CONTROL_LEFT = 1;
export const CONTROL_FAILED = 2;
/** From here, one word per worker thread: 1 once it has left the batch. */
export const CONTROL_THREADS = 4;

/** What a worker is sent for one batch: every buffer is shared, every number plain. */
export interface SharedBatch {
  readonly spec: ModelSpec;
  /** Jobs in the batch. */
  readonly count: number;
  /** Parameters per model. */
  readonly total: number;
  /** Distinct parameter arrays, one after another. */
  readonly params: Float32Array;
  /** Per job: [parameter array index, window list index]. */
  readonly jobs: Int32Array;
  /** The order jobs are claimed in: order[c] is the job of claim c. */
  readonly order: Int32Array;
  /** Per window list: [first window, window count]; windows are numbered across lists. */
  readonly lists: Int32Array;
  /** Per window: [byte offset, byte length] into `bytes`. */
  readonly windows: Int32Array;
  readonly bytes: Uint8Array;
  readonly control: Int32Array;
  readonly results: Float64Array;
}

function shared<T>(make: (buffer: SharedArrayBuffer) => T, bytes: number): T {
  return make(new SharedArrayBuffer(Math.max(8, bytes)));
}

/** Copies `jobs` into shared memory for `workers` threads besides the caller. */
export function packBatch(spec: ModelSpec, total: number, jobs: readonly LossJob[], workers: number): SharedBatch {
  const paramIndex = new Map<Float32Array, number>();
  const listIndex = new Map<readonly Uint8Array[], number>();
  const jobTable = shared((b) => new Int32Array(b), jobs.length * 2 * 4);
  jobs.forEach((job, i) => {
    if (job.params.length !== total) throw new RangeError(`job ${i} has ${job.params.length} parameters, the model ${total}`);
    if (!paramIndex.has(job.params)) paramIndex.set(job.params, paramIndex.size);
    if (!listIndex.has(job.windows)) listIndex.set(job.windows, listIndex.size);
    jobTable[2 * i] = paramIndex.get(job.params)!;
    jobTable[2 * i + 1] = listIndex.get(job.windows)!;
  });
  const bytesScored = jobs.map((job) => job.windows.reduce((sum, w) => sum + w.length, 0));
  const order = shared((b) => new Int32Array(b), jobs.length * 4);
  order.set(jobs.map((_, i) => i).sort((a, b) => bytesScored[b]! - bytesScored[a]! || a - b));
  const params = shared((b) => new Float32Array(b), paramIndex.size * total * 4);
  for (const [array, index] of paramIndex) params.set(array, index * total);

  let windowCount = 0;
  let byteCount = 0;
  for (const list of listIndex.keys()) {
    windowCount += list.length;
    for (const w of list) byteCount += w.length;
  }
  const lists = shared((b) => new Int32Array(b), listIndex.size * 2 * 4);
  const windows = shared((b) => new Int32Array(b), windowCount * 2 * 4);
  const bytes = shared((b) => new Uint8Array(b), byteCount);
  let w = 0;
  let offset = 0;
  for (const [list, index] of listIndex) {
    lists[2 * index] = w;
    lists[2 * index + 1] = list.length;
    for (const window of list) {
      bytes.set(window, offset);
      windows[2 * w] = offset;
      windows[2 * w + 1] = window.length;
      offset += window.length;
      w += 1;
    }
  }
  return {
    spec,
    count: jobs.length,
    total,
    params,
    jobs: jobTable,
    order,
    lists,
    windows,
    bytes,
    control: shared((b) => new Int32Array(b), (CONTROL_THREADS + workers) * 4),
    results: shared((b) => new Float64Array(b), jobs.length * 8),
  };
}

/** Parameter array `index` of the batch, a view of shared memory (read, never written). */
export function batchParams(batch: SharedBatch, index: number): Float32Array {
  return batch.params.subarray(index * batch.total, (index + 1) * batch.total);
}

/** Window list `index` of the batch, as views of shared memory. */
export function batchWindows(batch: SharedBatch, index: number): Uint8Array[] {
  const first = batch.lists[2 * index]!;
  const count = batch.lists[2 * index + 1]!;
  const out: Uint8Array[] = [];
  for (let w = first; w < first + count; w++) {
    const offset = batch.windows[2 * w]!;
    out.push(batch.bytes.subarray(offset, offset + batch.windows[2 * w + 1]!));
  }
  return out;
}
