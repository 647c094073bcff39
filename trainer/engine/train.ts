/**
 * The contributor's inner loop: start from the chain's model θ, take H AdamW steps on its own
 * batches, and hand back θ_end; the pseudo-gradient it sends is θ_start − θ_end. Runs on the
 * selected backend (wasm if none was selected). Training is not consensus: only the pure
 * reference evaluator is, so float32 kernels and any backend are fine here.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamLayout } from '../layout.ts';
import { AdamW } from './adamw.ts';
import { ensureBackend } from './backends.ts';
import { EngineError } from './errors.ts';
import { checkSequences, meanCrossEntropy, predictedPositions } from './gpt.ts';

export type BatchSource = Iterable<readonly Uint8Array[]> | ((step: number) => readonly Uint8Array[]);

export interface TrainOptions {
  readonly layout: ParamLayout;
  /** θ_start, flat float32 in layout order; not modified. */
  readonly params: Float32Array;
  /** Step s trains on the s-th batch (s from 0); each batch is a list of 2 … contextLength+1-byte sequences. */
  readonly batches: BatchSource;
  readonly steps: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Clip the global L2 norm of the gradient to this value (torch's clip_grad_norm_). */
  readonly gradClip?: number;
  /** Called after every step with the step (from 0) and that batch's loss before the update. */
  readonly onStep?: (step: number, loss: number) => void;
}

export interface TrainResult {
  /** θ_end, flat float32 in layout order. */
  readonly params: Float32Array;
  /** The loss of each step's batch, measured before that step's update. */
  readonly losses: number[];
  /** Predicted positions per second of wall time over the whole call. */
  readonly tokensPerSecond: number;
}

function requireNumber(value: number, name: string, min: number, max: number): void {
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    throw new EngineError('invalid-argument', `${name} must be a number from ${min} to ${max}, got ${String(value)}`);
  }
}

function checkOptions(opts: TrainOptions): void {
  if (opts.params.length !== opts.layout.total) {
    throw new EngineError('invalid-argument', `parameter vector has ${opts.params.length} floats, the layout needs ${opts.layout.total}`);
  }
  if (!Number.isInteger(opts.steps) || opts.steps < 0) throw new EngineError('invalid-argument', `steps must be a non-negative integer, got ${String(opts.steps)}`);
  requireNumber(opts.lr, 'lr', 0, Infinity);
  requireNumber(opts.weightDecay, 'weightDecay', 0, Infinity);
  requireNumber(opts.beta1, 'beta1', 0, 1 - Number.EPSILON);
  requireNumber(opts.beta2, 'beta2', 0, 1 - Number.EPSILON);
  requireNumber(opts.eps, 'eps', Number.MIN_VALUE, Infinity);
  if (opts.gradClip !== undefined) requireNumber(opts.gradClip, 'gradClip', Number.MIN_VALUE, Infinity);
}

/** Turns either kind of batch source into "give me step s's batch". */
function batchReader(source: BatchSource): { next: (step: number) => readonly Uint8Array[]; close: () => void } {
  if (typeof source === 'function') return { next: source, close: () => undefined };
  const iterator = source[Symbol.iterator]();
  return {
    next: (step) => {
      const item = iterator.next();
      if (item.done === true) throw new EngineError('invalid-argument', `the batch source ran out after ${step} batches`);
      return item.value;
    },
    close: () => void iterator.return?.(),
  };
}

/** Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ the L2 norm over all of them. */
function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): tf.Tensor[] {
  const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
  const coefficient = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
  return grads.map((g) => tf.mul(g, coefficient));
}

async function readParams(layout: ParamLayout, variables: readonly tf.Variable[]): Promise<Float32Array> {
  const params = new Float32Array(layout.total);
  for (let i = 0; i < layout.tensors.length; i++) {
    params.set(await variables[i]!.data() as Float32Array, layout.tensors[i]!.offset);
  }
  return params;
}

export async function trainInner(opts: TrainOptions): Promise<TrainResult> {
  checkOptions(opts);
  await ensureBackend();
  const { layout, params } = opts;
  const started = performance.now();
  // tidy() frees the upload tensors; the variables, which hold their own reference, survive it.
  const variables = tf.tidy(() =>
    layout.tensors.map((slot) => tf.variable(tf.tensor(params.subarray(slot.offset, slot.offset + slot.size), [...slot.shape], 'float32'), true)),
  );
  const weights = new Map(layout.tensors.map((slot, i) => [slot.name, variables[i]!]));
  const optimizer = new AdamW(
    layout.tensors.map((slot, i) => ({ variable: variables[i]!, decay: slot.kind === 'matrix' || slot.kind === 'embedding' })),
    opts,
  );
  const batches = batchReader(opts.batches);
  const losses: number[] = [];
  let positions = 0;
  try {
    for (let step = 0; step < opts.steps; step++) {
      const batch = batches.next(step);
      checkSequences(layout.spec, batch);
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => meanCrossEntropy(weights, layout.spec, batch), variables);
        const ordered = variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
        optimizer.apply(opts.gradClip === undefined ? ordered : clipByGlobalNorm(ordered, opts.gradClip));
        return value;
      });
      const value = (await loss.data())[0]!;
      loss.dispose();
      if (!Number.isFinite(value)) {
        throw new EngineError('diverged', `the loss at step ${step} is ${value}; lower the learning rate or check the starting parameters`);
      }
      losses.push(value);
      positions += predictedPositions(batch);
      opts.onStep?.(step, value);
    }
    const result = await readParams(layout, variables);
    const seconds = (performance.now() - started) / 1000;
    return { params: result, losses, tokensPerSecond: seconds > 0 ? positions / seconds : 0 };
  } finally {
    batches.close();
    optimizer.dispose();
    tf.dispose(variables);
  }
}

/** Δ = θ_start − θ_end, the update a contributor compresses and sends (rounded to float32). */
export function pseudoGradient(start: Float32Array, end: Float32Array): Float32Array {
  if (start.length !== end.length) {
    throw new EngineError('invalid-argument', `start has ${start.length} floats but end has ${end.length}`);
  }
  const delta = new Float32Array(start.length);
  for (let i = 0; i < start.length; i++) delta[i] = start[i]! - end[i]!;
  return delta;
}
