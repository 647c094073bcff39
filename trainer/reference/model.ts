/**
 * The parameters as the evaluator reads them: float32 copies, in the layout's own row-major
 * [in, out] shapes (matrices with padded rows), next to the scratch space of one
 * forward pass, all in one backing so that the fast matrix kernel can reach them.
 */
import type { ParamLayout } from '../layout.ts';
import { tensorView } from '../layout.ts';
import type { ModelSpec } from '../spec.ts';
import type { Backing, KernelKind } from './backing.ts';
import { createBacking } from './backing.ts';
import { EvaluatorError } from './errors.ts';
import type { LinearFn, Matrix } from './linear.ts';
import { paddedStride } from './linear.ts';
import type { Workspace } from './workspace.ts';
import { createWorkspace, workspaceSize } from './workspace.ts';

export interface BlockWeights {
  readonly ln1Gain: Float32Array;
  readonly ln1Bias: Float32Array;
  /** [d, 3d]: output columns 0..d−1 make q, d..2d−1 make k, 2d..3d−1 make v. */
  readonly qkv: Matrix;
  readonly qkvBias: Float32Array;
  /** [d, d] */
  readonly attnOut: Matrix;
  readonly attnOutBias: Float32Array;
  readonly ln2Gain: Float32Array;
  readonly ln2Bias: Float32Array;
  /** [d, 4d] */
  readonly fc: Matrix;
  readonly fcBias: Float32Array;
  /** [4d, d] */
  readonly proj: Matrix;
  readonly projBias: Float32Array;
}

export interface PreparedModel {
  readonly spec: ModelSpec;
  /** [vocab, d] */
  readonly tokenEmbedding: Float32Array;
  /** [context, d] */
  readonly positionEmbedding: Float32Array;
  readonly blocks: readonly BlockWeights[];
  readonly lnfGain: Float32Array;
  readonly lnfBias: Float32Array;
  /** [d, vocab]: wteᵀ when tied, lm_head when not. */
  readonly head: Matrix;
  /** Zeros of length vocab: the head has no bias, and the shared product wants one. */
  readonly headBias: Float32Array;
  /** The matrix product bound to where these arrays live. */
  readonly linear: LinearFn;
  /** GELU in place, softmax's exponentials and attention's rows after the dot products, likewise (backing.ts). */
  readonly gelu: Backing['gelu'];
  readonly expShifted: Backing['expShifted'];
  readonly attendRows: Backing['attendRows'];
  readonly layerNorm: Backing['layerNorm'];
  readonly maxOf: Backing['maxOf'];
  readonly kernel: KernelKind;
  /** One forward pass's scratch space: a prepared model runs one pass at a time. */
  readonly workspace: Workspace;
}

export interface PrepareOptions {
  /** 'auto' (default) uses WebAssembly SIMD where available; 'scalar' forces plain JavaScript. */
  readonly kernel?: 'auto' | KernelKind;
}

export function prepareModel(layout: ParamLayout, params: Float32Array, options: PrepareOptions = {}): PreparedModel {
  if (params.length !== layout.total) {
    throw new EvaluatorError('param-count', `parameter vector has ${params.length} floats, the layout needs ${layout.total}`);
  }
  const spec = layout.spec;
  const d = spec.width;
  const v = spec.vocabSize;
  const scratch = workspaceSize(spec);
  let floats = v + scratch.floats;
  for (const slot of layout.tensors) {
    floats += slot.kind === 'matrix' ? slot.shape[0]! * paddedStride(slot.shape[1]!) : slot.size;
  }
  if (spec.tiedEmbeddings) floats += d * paddedStride(v);
  const backing = createBacking(floats, layout.tensors.length + 2 + scratch.arrays, options.kernel ?? 'auto');
  const copy = (name: string): Float32Array => {
    const values = tensorView(layout, params, name);
    const out = backing.alloc(values.length);
    out.set(values);
    return out;
  };
  const matrix = (name: string): Matrix => {
    const slot = layout.byName.get(name)!;
    const [inputs, outputs] = slot.shape as [number, number];
    const values = tensorView(layout, params, name);
    const out = emptyMatrix(backing, inputs, outputs);
    // Row by row: each is a plain copy into its padded place.
    for (let i = 0; i < inputs; i++) out.values.set(values.subarray(i * outputs, (i + 1) * outputs), i * out.stride);
    return out;
  };
  const blocks: BlockWeights[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const p = `h${l}.`;
    blocks.push({
      ln1Gain: copy(`${p}ln1.g`),
      ln1Bias: copy(`${p}ln1.b`),
      qkv: matrix(`${p}attn.wqkv`),
      qkvBias: copy(`${p}attn.bqkv`),
      attnOut: matrix(`${p}attn.wo`),
      attnOutBias: copy(`${p}attn.bo`),
      ln2Gain: copy(`${p}ln2.g`),
      ln2Bias: copy(`${p}ln2.b`),
      fc: matrix(`${p}mlp.wfc`),
      fcBias: copy(`${p}mlp.bfc`),
      proj: matrix(`${p}mlp.wproj`),
      projBias: copy(`${p}mlp.bproj`),
    });
  }
  const tokenEmbedding = copy('wte');
  const head = spec.tiedEmbeddings ? transposed(backing, tokenEmbedding, v, d) : matrix('lm_head');
  return {
    spec,
    tokenEmbedding,
    positionEmbedding: copy('wpe'),
    blocks,
    lnfGain: copy('lnf.g'),
    lnfBias: copy('lnf.b'),
    head,
    headBias: backing.alloc(v),
    linear: backing.linear,
    gelu: backing.gelu,
    expShifted: backing.expShifted,
    attendRows: backing.attendRows,
    layerNorm: backing.layerNorm,
    maxOf: backing.maxOf,
    kernel: backing.kind,
    workspace: createWorkspace(spec, backing),
  };
}

/** A zeroed [inputs, outputs] matrix with padded rows. */
function emptyMatrix(backing: Backing, inputs: number, outputs: number): Matrix {
  const stride = paddedStride(outputs);
  return { values: backing.alloc(inputs * stride), inputs, outputs, stride };
}

/** The [cols, rows] matrix whose element (i, t) is source[t·cols + i]: a [rows, cols] array transposed. */
function transposed(backing: Backing, source: Float32Array, rows: number, cols: number): Matrix {
  const out = emptyMatrix(backing, cols, rows);
  const { values, stride } = out;
  for (let t = 0; t < rows; t++) {
    for (let i = 0, from = t * cols; i < cols; i++) values[i * stride + t] = source[from + i]!;
  }
  return out;
}
