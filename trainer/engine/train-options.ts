/**
 * What every training engine (tfjs in this folder, trainer/fast/) takes and returns, the checks
 * on its options and the pseudo-gradient, kept free of tfjs so an engine that does not use it
 * need not load it.
 */
import type { ParamLayout } from '../layout.ts';
import { EngineError } from './errors.ts';

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
  /**
   * The fast engine only: 2 splits each batch in two micro-batches, the second on a worker thread,
   * their gradients added in that order (so a run is still a pure function of its inputs). 1 (the
   * default) trains on the calling thread alone; the tfjs backends ignore it.
   */
  readonly threads?: number;
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
  /**
   * Predicted positions per CPU second of the training thread, its steps only: the engine's own
   * speed whatever else shares the machine. Only the one-thread fast engine measures it, where
   * the runtime tells a thread's CPU time (Node's process.threadCpuUsage).
   */
  readonly cpuTokensPerSecond?: number;
}

function requireNumber(value: number, name: string, min: number, max: number): void {
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    throw new EngineError('invalid-argument', `${name} must be a number from ${min} to ${max}, got ${String(value)}`);
  }
}

export function checkOptions(opts: TrainOptions): void {
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
  if (opts.threads !== undefined && opts.threads !== 1 && opts.threads !== 2) {
    throw new EngineError('invalid-argument', `threads must be 1 or 2, got ${String(opts.threads)}`);
  }
}

/** Turns either kind of batch source into "give me step s's batch". */
export function batchReader(source: BatchSource): { next: (step: number) => readonly Uint8Array[]; close: () => void } {
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

/** Δ = θ_start − θ_end, the update a contributor compresses and sends (rounded to float32). */
export function pseudoGradient(start: Float32Array, end: Float32Array): Float32Array {
  if (start.length !== end.length) {
    throw new EngineError('invalid-argument', `start has ${start.length} floats but end has ${end.length}`);
  }
  const delta = new Float32Array(start.length);
  for (let i = 0; i < start.length; i++) delta[i] = start[i]! - end[i]!;
  return delta;
}
