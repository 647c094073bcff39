/**
 * The contributor's inner loop: start from the chain's model θ, take H AdamW steps on its own
 * batches, and hand back θ_end; the pseudo-gradient it sends is θ_start − θ_end. Runs on the
 * selected backend (the fast engine, trainer/fast/, if none was selected; tfjs on the others). Training is not consensus: only the pure
 * reference evaluator is, so float32 kernels and any backend are fine here.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamLayout } from '../layout.ts';
import { AdamW } from './adamw.ts';
import { ensureBackend } from './backends.ts';
import { EngineError } from './errors.ts';
import { checkSequences, meanCrossEntropy, predictedPositions } from './gpt.ts';
import { batchReader, checkOptions } from './train-options.ts';
import { fastTrainInner } from '../fast/train.ts';
import type { TrainOptions, TrainResult } from './train-options.ts';

export type { BatchSource, TrainOptions, TrainResult } from './train-options.ts';
export { pseudoGradient } from './train-options.ts';

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
  if ((await ensureBackend()).name === 'fast') return fastTrainInner(opts);
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

