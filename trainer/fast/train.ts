/**
 * The fast engine's entry points, with the contracts of the tfjs engine's: trainInner (H AdamW
 * steps from θ_start on the given batches), the mean loss of a batch, and its gradient (for tests
 * and the self-check). The work is synchronous, in one thread; fastTrainInner hands the event loop
 * back every YIELD_EVERY_MS of it, so a node training a large model keeps answering its peers.
 */
import { EngineError } from '../engine/errors.ts';
import type { TrainOptions, TrainResult } from '../engine/train-options.ts';
import { batchReader, checkOptions } from '../engine/train-options.ts';
import type { ParamLayout } from '../layout.ts';
import { batchRows } from './batch-rows.ts';
import { gradientWorker } from './gradient-worker.ts';
import { FastModel } from './step.ts';

function checkParams(layout: ParamLayout, params: Float32Array): void {
  if (params.length !== layout.total) {
    throw new EngineError('invalid-argument', `parameter vector has ${params.length} floats, the layout needs ${layout.total}`);
  }
}

const YIELD_EVERY_MS = 50;

type ThreadCpuUsage = () => { user: number; system: number };
/** This thread's CPU time in microseconds, where the runtime tells it (Node ≥ 23.9). */
const threadCpuUsage = (globalThis as { process?: { threadCpuUsage?: ThreadCpuUsage } }).process?.threadCpuUsage;
const threadCpuMicros = (): number => {
  const { user, system } = threadCpuUsage!();
  return user + system;
};

/** What both training loops share: the options' checks, the model, the batches and each step's record. */
class TrainingRun {
  readonly opts: TrainOptions;
  readonly model: FastModel;
  readonly batches: ReturnType<typeof batchReader>;
  readonly #losses: number[] = [];
  readonly #started = performance.now();
  #positions = 0;
  /** CPU microseconds of this thread inside the steps, and when the current step began (NaN: not counted). */
  #stepCpuMicros = 0;
  #stepCpuStart = Number.NaN;

  constructor(opts: TrainOptions) {
    checkOptions(opts);
    this.opts = opts;
    this.model = new FastModel(opts.layout, opts.params);
    this.batches = batchReader(opts.batches);
  }

  /** Before a step that runs on this thread alone: its CPU time will count. */
  beginStep(): void {
    if (threadCpuUsage !== undefined) this.#stepCpuStart = threadCpuMicros();
  }

  /** After a step's gradient: the divergence check, the AdamW update and the step's record. */
  finishStep(step: number, loss: number, positions: number): void {
    if (!Number.isFinite(loss)) {
      throw new EngineError('diverged', `the loss at step ${step} is ${loss}; lower the learning rate or check the starting parameters`);
    }
    this.model.update(this.opts);
    if (!Number.isNaN(this.#stepCpuStart)) {
      this.#stepCpuMicros += threadCpuMicros() - this.#stepCpuStart;
      this.#stepCpuStart = Number.NaN;
    }
    this.#losses.push(loss);
    this.#positions += positions;
    this.opts.onStep?.(step, loss);
  }

  result(): TrainResult {
    const seconds = (performance.now() - this.#started) / 1000;
    const result = { params: this.model.params.slice(), losses: this.#losses, tokensPerSecond: seconds > 0 ? this.#positions / seconds : 0 };
    return this.#stepCpuMicros > 0 ? { ...result, cpuTokensPerSecond: this.#positions / (this.#stepCpuMicros / 1e6) } : result;
  }
}

/** The training loop, one yield after each step; its return value is the result. */
function* trainingSteps(opts: TrainOptions): Generator<void, TrainResult> {
  const run = new TrainingRun(opts);
  try {
    for (let step = 0; step < opts.steps; step++) {
      const batch = run.batches.next(step);
      run.beginStep();
      run.finishStep(step, run.model.pass(batch, true), positionsOf(batch));
      yield;
    }
    return run.result();
  } finally {
    run.batches.close();
  }
}

/** H AdamW steps, all at once (tests, benchmarks). */
export function fastTrain(opts: TrainOptions): TrainResult {
  const steps = trainingSteps(opts);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** Predicted positions of a batch. */
function positionsOf(batch: readonly Uint8Array[]): number {
  return batch.reduce((n, seq) => n + seq.length - 1, 0);
}

/**
 * Two threads: each step's batch is split in two (the first half of its sequences here, the rest
 * on the worker thread, at the same parameters), and the two gradients are merged in that order.
 */
async function trainOnTwoThreads(opts: TrainOptions): Promise<TrainResult> {
  const run = new TrainingRun(opts);
  const { model } = run;
  try {
    for (let step = 0; step < opts.steps; step++) {
      const batch = run.batches.next(step);
      const split = Math.ceil(batch.length / 2);
      const mine = batch.slice(0, split);
      const theirs = batch.slice(split);
      const theirRows = theirs.length === 0 ? 0 : batchRows(opts.layout.spec, theirs).count;
      const remote = theirRows === 0 ? null : gradientWorker().gradient(opts.layout.spec, model.params, theirs);
      let loss = model.pass(mine, true);
      const myRows = positionsOf(mine);
      if (remote !== null) {
        const other = await remote;
        model.mergeGradient(myRows, other.grads, theirRows);
        loss = (myRows * loss + theirRows * other.loss) / (myRows + theirRows);
      }
      run.finishStep(step, loss, myRows + theirRows);
    }
    return run.result();
  } finally {
    run.batches.close();
  }
}

/** trainInner's shape: the same options and result as the tfjs engine's. */
export async function fastTrainInner(opts: TrainOptions): Promise<TrainResult> {
  if (opts.threads === 2) return trainOnTwoThreads(opts);
  const steps = trainingSteps(opts);
  let since = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    if (performance.now() - since >= YIELD_EVERY_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      since = performance.now();
    }
  }
}

/** The model fastLoss evaluates on, kept for the next call with the same layout object. */
let evaluator: FastModel | null = null;

/** Mean cross-entropy over every predicted position of the sequences (as referenceLoss). */
export function fastLoss(layout: ParamLayout, params: Float32Array, sequences: readonly Uint8Array[]): number {
  checkParams(layout, params);
  if (evaluator === null || evaluator.layout !== layout) evaluator = new FastModel(layout, params);
  else evaluator.load(params);
  return evaluator.pass(sequences, false);
}

/** The mean loss and its gradient with respect to every parameter, in layout order. */
export function fastGradient(layout: ParamLayout, params: Float32Array, sequences: readonly Uint8Array[]): { loss: number; grads: Float32Array } {
  checkParams(layout, params);
  const model = new FastModel(layout, params);
  const loss = model.pass(sequences, true);
  return { loss, grads: model.grads!.slice() };
}
