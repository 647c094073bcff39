/**
 * The GPT in tfjs, read top to bottom like nanoGPT's model.py: embeddings, then per layer
 * x += attn(LN1(x)) and x += mlp(LN2(x)), then the final LayerNorm and the (tied) output head,
 * then mean cross-entropy. It follows the pure reference evaluator (trainer/reference/) operation
 * for operation, so that the loss a contributor trains on is the loss the Gauntlet scores; the two
 * agree within float32 rounding.
 *
 * Activations are kept as [batch·time, width] matrices so every projection is one 2-D matMul on
 * the row-major [in, out] weights of the flat layout (y = x·W).
 *
 * No gather: the wasm backend has no UnsortedSegmentSum kernel, which tf.gather's gradient needs,
 * so the token embedding is oneHot(tokens) · wte, and the position embedding is a slice of wpe.
 * The one-hot matrices are built here rather than with tf.oneHot, whose wasm kernel writes integer
 * bit patterns into float32 outputs (tfjs-backend-wasm 4.22: a 1 reads back as 1.4e-45).
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamLayout } from '../layout.ts';
import type { ModelSpec } from '../spec.ts';
import { ensureBackend } from './backends.ts';
import { EngineError } from './errors.ts';
import { fastLoss } from '../fast/train.ts';

/** One tensor per layout slot, by name (tf.Variables when training). */
export type Weights = ReadonlyMap<string, tf.Tensor>;

const LAYER_NORM_EPS = 1e-5;
const GELU_SCALE = Math.sqrt(2 / Math.PI);
/** Added to the scores of future positions: exp(-1e9 - max) is exactly 0 in float32. */
const MASKED_SCORE = -1e9;
/** Sequences per forward pass in tfjsLoss; bounds memory (logits are batch·time·256 floats). */
const EVAL_BATCH = 32;

function weight(weights: Weights, name: string): tf.Tensor {
  const t = weights.get(name);
  if (t === undefined) throw new EngineError('invalid-argument', `the weights have no tensor named ${name}`);
  return t;
}

/** Uploads the flat parameter vector as one tensor per layout slot. The caller disposes them. */
export function weightsFromParams(layout: ParamLayout, params: Float32Array): Map<string, tf.Tensor> {
  if (params.length !== layout.total) {
    throw new EngineError('invalid-argument', `parameter vector has ${params.length} floats, the layout needs ${layout.total}`);
  }
  const weights = new Map<string, tf.Tensor>();
  for (const slot of layout.tensors) {
    weights.set(slot.name, tf.tensor(params.subarray(slot.offset, slot.offset + slot.size), [...slot.shape], 'float32'));
  }
  return weights;
}

/** Biased variance, as torch.nn.LayerNorm. */
function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, LAYER_NORM_EPS))), gain), bias);
}

/**
 * a·b for 2-D tensors, with a gradient that transposes explicitly: dA = dY·bᵀ, dB = aᵀ·dY.
 * tfjs' own MatMul gradient passes transpose flags instead, and the wasm kernel runs a transposed
 * product 5 to 6 times slower than a transpose followed by a plain product (measured on 512×64
 * by 256×64), which made the backward pass most of a training step.
 */
const matMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [savedA, savedB] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(savedB)), tf.matMul(tf.transpose(savedA), dy)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.add(matMul(x, w), b);
}

/** GPT-2's tanh approximation: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))). */
function gelu(x: tf.Tensor): tf.Tensor {
  // x·x·x rather than pow(x, 3): pow's gradient goes through log and costs several kernels.
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), GELU_SCALE);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** [time, time] additive mask: 0 where a position may look (itself and the past), else -1e9. */
function causalMask(time: number): tf.Tensor2D {
  const mask = new Float32Array(time * time);
  for (let i = 0; i < time; i++) mask.fill(MASKED_SCORE, i * time + i + 1, (i + 1) * time);
  return tf.tensor2d(mask, [time, time]);
}

interface Shape {
  readonly batch: number;
  readonly time: number;
}

/** [tokens.length, vocab] float32 rows with a single 1 at each token. */
function oneHot(tokens: Uint8Array, vocab: number): tf.Tensor2D {
  const rows = new Float32Array(tokens.length * vocab);
  tokens.forEach((token, i) => {
    rows[i * vocab + token] = 1;
  });
  return tf.tensor2d(rows, [tokens.length, vocab]);
}

/** x = wte[token] + wpe[position], as [batch·time, width]. */
function embed(weights: Weights, spec: ModelSpec, tokens: Uint8Array, { batch, time }: Shape): tf.Tensor {
  const tokenEmbedding = tf.reshape(matMul(oneHot(tokens, spec.vocabSize), weight(weights, 'wte')), [batch, time, spec.width]);
  const positionEmbedding = tf.slice(weight(weights, 'wpe'), [0, 0], [time, spec.width]);
  return tf.reshape(tf.add(tokenEmbedding, positionEmbedding), [batch * time, spec.width]);
}

/**
 * Causal self-attention. qkv = x·wqkv + bqkv is split as [q | k | v] along the output axis, and
 * each of q, k, v into heads contiguously (head h owns columns h·hd … (h+1)·hd − 1).
 */
function attention(weights: Weights, prefix: string, spec: ModelSpec, x: tf.Tensor, { batch, time }: Shape, mask: tf.Tensor): tf.Tensor {
  const heads = spec.heads;
  const headDim = spec.width / heads;
  const qkv = linear(x, weight(weights, `${prefix}attn.wqkv`), weight(weights, `${prefix}attn.bqkv`));
  const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  // [batch·time, width] → [batch·heads, time, headDim]
  const toHeads = (t: tf.Tensor): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.reshape(t, [batch, time, heads, headDim]), [0, 2, 1, 3]), [batch * heads, time, headDim]);
  const scores = tf.add(tf.mul(tf.matMul(toHeads(q), toHeads(k), false, true), 1 / Math.sqrt(headDim)), mask);
  const y = tf.matMul(tf.softmax(scores), toHeads(v));
  const merged = tf.reshape(tf.transpose(tf.reshape(y, [batch, heads, time, headDim]), [0, 2, 1, 3]), [batch * time, spec.width]);
  return linear(merged, weight(weights, `${prefix}attn.wo`), weight(weights, `${prefix}attn.bo`));
}

function mlp(weights: Weights, prefix: string, x: tf.Tensor): tf.Tensor {
  const hidden = gelu(linear(x, weight(weights, `${prefix}mlp.wfc`), weight(weights, `${prefix}mlp.bfc`)));
  return linear(hidden, weight(weights, `${prefix}mlp.wproj`), weight(weights, `${prefix}mlp.bproj`));
}

function block(weights: Weights, layer: number, spec: ModelSpec, x: tf.Tensor, shape: Shape, mask: tf.Tensor): tf.Tensor {
  const p = `h${layer}.`;
  const ln1 = layerNorm(x, weight(weights, `${p}ln1.g`), weight(weights, `${p}ln1.b`));
  const afterAttention = tf.add(x, attention(weights, p, spec, ln1, shape, mask));
  const ln2 = layerNorm(afterAttention, weight(weights, `${p}ln2.g`), weight(weights, `${p}ln2.b`));
  return tf.add(afterAttention, mlp(weights, p, ln2));
}

/**
 * Logits for `tokens` (batch sequences of `time` bytes, row after row) as [batch·time, vocab]:
 * row b·time + t predicts the byte after position t of sequence b.
 */
export function gptLogits(weights: Weights, spec: ModelSpec, tokens: Uint8Array, shape: Shape): tf.Tensor2D {
  const mask = causalMask(shape.time);
  let x = embed(weights, spec, tokens, shape);
  for (let layer = 0; layer < spec.layers; layer++) x = block(weights, layer, spec, x, shape, mask);
  x = layerNorm(x, weight(weights, 'lnf.g'), weight(weights, 'lnf.b'));
  return spec.tiedEmbeddings ? matMul(x, tf.transpose(weight(weights, 'wte'))) : matMul(x, weight(weights, 'lm_head'));
}

/** Sequences must fit the model: 2 … contextLength+1 bytes (at least one prediction each). */
export function checkSequences(spec: ModelSpec, sequences: readonly Uint8Array[]): void {
  if (sequences.length === 0) throw new EngineError('invalid-argument', 'no sequences to evaluate');
  for (let i = 0; i < sequences.length; i++) {
    const n = sequences[i]!.length;
    if (n < 2 || n > spec.contextLength + 1) {
      throw new EngineError('invalid-argument', `sequence ${i} has ${n} bytes; it must have 2 to ${spec.contextLength + 1}`);
    }
  }
}

/**
 * Sum of the cross-entropy (natural log) over every predicted position of sequences that all have
 * the same length: inputs are bytes 0 … n−2, targets bytes 1 … n−1.
 */
export function crossEntropySum(weights: Weights, spec: ModelSpec, sequences: readonly Uint8Array[]): tf.Scalar {
  const batch = sequences.length;
  const time = sequences[0]!.length - 1;
  const inputs = new Uint8Array(batch * time);
  const targets = new Uint8Array(batch * time);
  sequences.forEach((seq, b) => {
    if (seq.length !== time + 1) throw new EngineError('invalid-argument', 'crossEntropySum needs sequences of one length');
    inputs.set(seq.subarray(0, time), b * time);
    targets.set(seq.subarray(1), b * time);
  });
  const logits = gptLogits(weights, spec, inputs, { batch, time });
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot(targets, spec.vocabSize)))) as tf.Scalar;
}

/** Sequences grouped by length (the model runs one rectangular batch per group), in first-seen order. */
export function groupByLength(sequences: readonly Uint8Array[]): Uint8Array[][] {
  const groups = new Map<number, Uint8Array[]>();
  for (const seq of sequences) {
    const group = groups.get(seq.length);
    if (group === undefined) groups.set(seq.length, [seq]);
    else group.push(seq);
  }
  return [...groups.values()];
}

/** Number of predicted positions: Σ (length − 1). */
export function predictedPositions(sequences: readonly Uint8Array[]): number {
  return sequences.reduce((n, seq) => n + seq.length - 1, 0);
}

/** Mean cross-entropy over every predicted position of every sequence (lengths may differ). */
export function meanCrossEntropy(weights: Weights, spec: ModelSpec, sequences: readonly Uint8Array[]): tf.Scalar {
  checkSequences(spec, sequences);
  const sums = groupByLength(sequences).map((group) => crossEntropySum(weights, spec, group));
  const total = sums.length === 1 ? sums[0]! : tf.addN(sums);
  return tf.div(total, predictedPositions(sequences)) as tf.Scalar;
}

/**
 * The engine's loss, with the contract of the reference evaluator's referenceLoss: mean
 * cross-entropy over every predicted position of the sequences, on the selected backend (the fast
 * engine if none was selected). For watching training and cross-checking; consensus never calls it.
 */
export async function tfjsLoss(layout: ParamLayout, params: Float32Array, sequences: readonly Uint8Array[]): Promise<number> {
  if ((await ensureBackend()).name === 'fast') return fastLoss(layout, params, sequences);
  checkSequences(layout.spec, sequences);
  const weights = weightsFromParams(layout, params);
  try {
    let total = 0;
    for (const group of groupByLength(sequences)) {
      for (let start = 0; start < group.length; start += EVAL_BATCH) {
        const sum = tf.tidy(() => crossEntropySum(weights, layout.spec, group.slice(start, start + EVAL_BATCH)));
        total += (await sum.data())[0]!;
        sum.dispose();
      }
    }
    return total / predictedPositions(sequences);
  } finally {
    tf.dispose([...weights.values()]);
  }
}
