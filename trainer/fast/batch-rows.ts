/**
 * A batch of byte sequences laid out as rows of one activation matrix: sequence s predicts from
 * rows starts[s] … starts[s] + lengths[s] − 1 (its bytes 0 … n−2) the targets (its bytes 1 … n−1).
 * Sequences may differ in length; attention stays within a sequence, every other kernel is per row.
 * The row count is padded to a multiple of 4 for the matrix kernel; padded rows carry no loss.
 */
import { EngineError } from '../engine/errors.ts';
import type { ModelSpec } from '../spec.ts';

export interface BatchRows {
  readonly inputs: Uint8Array;
  readonly targets: Uint8Array;
  readonly starts: readonly number[];
  readonly lengths: readonly number[];
  /** Rows that carry a prediction: Σ (n − 1). */
  readonly count: number;
  /** count rounded up to a multiple of 4. */
  readonly padded: number;
  /** Σ lengths², the attention probabilities per head. */
  readonly attentionArea: number;
}

export function batchRows(spec: ModelSpec, sequences: readonly Uint8Array[]): BatchRows {
  if (sequences.length === 0) throw new EngineError('invalid-argument', 'no sequences to train on');
  const starts: number[] = [];
  const lengths: number[] = [];
  let count = 0;
  let attentionArea = 0;
  sequences.forEach((seq, i) => {
    const n = seq.length;
    if (n < 2 || n > spec.contextLength + 1) {
      throw new EngineError('invalid-argument', `sequence ${i} has ${n} bytes; it must have 2 to ${spec.contextLength + 1}`);
    }
    starts.push(count);
    lengths.push(n - 1);
    count += n - 1;
    attentionArea += (n - 1) * (n - 1);
  });
  const inputs = new Uint8Array(count);
  const targets = new Uint8Array(count);
  sequences.forEach((seq, i) => {
    inputs.set(seq.subarray(0, seq.length - 1), starts[i]);
    targets.set(seq.subarray(1), starts[i]);
  });
  return { inputs, targets, starts, lengths, count, padded: Math.ceil(count / 4) * 4, attentionArea };
}
