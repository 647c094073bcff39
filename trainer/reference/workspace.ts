/**
 * Scratch buffers for one forward pass at full context, allocated with the model and reused for
 * every sequence, so the hot loops never allocate. Row capacities are rounded up to a multiple
 * of 4 so that the matrix kernel can always run whole blocks of rows.
 */
import type { ModelSpec } from '../spec.ts';
import type { AttentionScratch } from './attention.ts';
import type { Backing } from './backing.ts';
import { paddedStride } from './linear.ts';

export interface Workspace {
  /** [T, d] the residual stream. */
  readonly x: Float32Array;
  /** [T, d] a LayerNorm's output (after the last block: the final hidden states). */
  readonly normed: Float32Array;
  /** [T, 3d] q | k | v for every position. */
  readonly qkv: Float32Array;
  /** [T, d] the heads' outputs, side by side, before the output projection. */
  readonly attended: Float32Array;
  /** [T, 4d] the MLP's hidden layer. */
  readonly hidden: Float32Array;
  /** [T] one query's attention scores, then its weights. */
  readonly scores: Float32Array;
  /** [T, vocab] */
  readonly logits: Float32Array;
  /** One head's attention product (attention.ts). */
  readonly attention: AttentionScratch;
}

export function workspaceRows(spec: ModelSpec): number {
  return (spec.contextLength + 3) & ~3;
}

/** Floats and arrays createWorkspace takes from a backing. */
export function workspaceSize(spec: ModelSpec): { floats: number; arrays: number } {
  const rows = workspaceRows(spec);
  const hd = spec.width / spec.heads;
  const attention = rows * hd + hd * paddedStride(spec.contextLength) + rows * spec.contextLength + 4 + spec.contextLength;
  return { floats: rows * (10 * spec.width + 1 + spec.vocabSize) + attention, arrays: 11 };
}

export function createWorkspace(spec: ModelSpec, backing: Backing): Workspace {
  const rows = workspaceRows(spec);
  const d = spec.width;
  return {
    x: backing.alloc(rows * d),
    normed: backing.alloc(rows * d),
    qkv: backing.alloc(rows * 3 * d),
    attended: backing.alloc(rows * d),
    hidden: backing.alloc(rows * 4 * d),
    scores: backing.alloc(rows),
    logits: backing.alloc(rows * spec.vocabSize),
    attention: {
      queries: backing.alloc(rows * (d / spec.heads)),
      keys: backing.alloc((d / spec.heads) * paddedStride(spec.contextLength)),
      keyStride: paddedStride(spec.contextLength),
      dots: backing.alloc(rows * spec.contextLength + 4), // the kernel reads a row up to 3 floats past its last key
      zeros: backing.alloc(spec.contextLength),
    },
  };
}
