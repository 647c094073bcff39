/**
 * The reference evaluator's entry points: the mean next-byte loss of a batch of sequences, which
 * the Gauntlet compares bit for bit across nodes, and the raw logits for sampling and tests.
 */
import type { ParamLayout } from '../layout.ts';
import { EvaluatorError } from './errors.ts';
import { forwardHidden } from './forward.ts';
import { crossEntropy, headLogits } from './logits.ts';
import type { PreparedModel } from './model.ts';
import { prepareModel } from './model.ts';

/**
 * Mean cross-entropy over every predicted position of a prepared model: in each sequence,
 * position t predicts byte t+1. The per-position losses are summed in float64 from 0, sequence
 * by sequence in the order given and position by position, then divided by their count once.
 * Non-finite parameters give a non-finite result (deterministically); callers decide its meaning.
 */
export function preparedLoss(model: PreparedModel, sequences: readonly Uint8Array[]): number {
  const { contextLength, vocabSize } = model.spec;
  if (sequences.length === 0) throw new EvaluatorError('empty-batch', 'no sequences to score');
  sequences.forEach((seq, i) => {
    if (seq.length < 2 || seq.length > contextLength + 1) {
      throw new EvaluatorError('sequence-length', `sequence ${i} has ${seq.length} bytes, needs 2 to ${contextLength + 1}`);
    }
  });
  const logits = model.workspace.logits;
  let total = 0;
  let count = 0;
  for (const seq of sequences) {
    const rows = seq.length - 1;
    forwardHidden(model, seq, rows);
    headLogits(model, 0, rows);
    for (let t = 0; t < rows; t++) total += crossEntropy(logits, t * vocabSize, vocabSize, seq[t + 1]!, model.maxOf, model.expShifted);
    count += rows;
  }
  return total / count;
}

export function referenceLoss(layout: ParamLayout, params: Float32Array, sequences: readonly Uint8Array[]): number {
  return preparedLoss(prepareModel(layout, params), sequences);
}

/** Logits at every position of tokens (1 … context length bytes): [tokens.length, vocab], row-major. */
export function preparedLogits(model: PreparedModel, tokens: Uint8Array): Float32Array {
  const { contextLength, vocabSize } = model.spec;
  if (tokens.length < 1 || tokens.length > contextLength) {
    throw new EvaluatorError('sequence-length', `input has ${tokens.length} bytes, needs 1 to ${contextLength}`);
  }
  forwardHidden(model, tokens, tokens.length);
  headLogits(model, 0, tokens.length);
  return model.workspace.logits.slice(0, tokens.length * vocabSize);
}

export function referenceLogits(layout: ParamLayout, params: Float32Array, tokens: Uint8Array): Float32Array {
  return preparedLogits(prepareModel(layout, params), tokens);
}
