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
import { FastModel } from './step.ts';

function checkParams(layout: ParamLayout, params: Float32Array): void {
  if (params.length !== layout.total) {
    throw new EngineError('invalid-argument', `parameter vector has ${params.length} floats, the layout needs ${layout.total}`);
  }
}

const YIELD_EVERY_MS = 50;

/** The training loop, one yield after each step; its return value is the result. */
function* trainingSteps(opts: TrainOptions): Generator<void, TrainResult> {
  checkOptions(opts);
  const { layout } = opts;
  const started = performance.now();
  const model = new FastModel(layout, opts.params);
  const batches = batchReader(opts.batches);
  const losses: number[] = [];
  let positions = 0;
  try {
    for (let step = 0; step < opts.steps; step++) {
      const batch = batches.next(step);
      const loss = model.pass(batch, true);
      if (!Number.isFinite(loss)) {
        throw new EngineError('diverged', `the loss at step ${step} is ${loss}; lower the learning rate or check the starting parameters`);
      }
      model.update(opts);
      losses.push(loss);
      positions += batch.reduce((n, seq) => n + seq.length - 1, 0);
      opts.onStep?.(step, loss);
      yield;
    }
    const seconds = (performance.now() - started) / 1000;
    return { params: model.params.slice(), losses, tokensPerSecond: seconds > 0 ? positions / seconds : 0 };
  } finally {
    batches.close();
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

/** trainInner's shape: the same options and result as the tfjs engine's. */
export async function fastTrainInner(opts: TrainOptions): Promise<TrainResult> {
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
