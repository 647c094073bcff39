/**
 * Every array one training step needs, in one arena: the parameters and their gradients (flat,
 * in layout order, so they are the Float32Arrays the caller sees), each layer's saved activations
 * for the backward pass, and the backward pass's scratch. Sized for a number of rows and an
 * attention area (Σ T² per head); a larger batch needs a new workspace.
 */
import type { ParamLayout } from '../layout.ts';
import type { ModelSpec } from '../spec.ts';
import type { Buf } from './arena.ts';
import { Arena, ArenaPlan } from './arena.ts';
import type { Kernels } from './kernels-module.ts';
import { instantiateKernels } from './kernels-module.ts';

export interface LayerActivations {
  /** The residual stream entering the layer, [rows, d]. */
  readonly x: Buf;
  readonly ln1: Buf;
  readonly ln1Mean: Buf;
  readonly ln1Rstd: Buf;
  /** [rows, 3d]: q | k | v. */
  readonly qkv: Buf;
  /** [heads · Σ T²]. */
  readonly probs: Buf;
  /** Attention output before its projection, [rows, d]. */
  readonly atty: Buf;
  /** x + attention, [rows, d]. */
  readonly x2: Buf;
  readonly ln2: Buf;
  readonly ln2Mean: Buf;
  readonly ln2Rstd: Buf;
  /** Before and after GELU, [rows, 4d]. */
  readonly fc: Buf;
  readonly fcGelu: Buf;
  /** tanh of GELU's inner argument, for the backward pass. */
  readonly fcTanh: Buf;
}

export interface Capacity {
  readonly rows: number;
  readonly attentionArea: number;
}

export class Workspace {
  readonly layout: ParamLayout;
  readonly spec: ModelSpec;
  readonly capacity: Capacity;
  readonly arena: Arena;
  readonly kernels: Kernels;
  readonly params: Buf;
  readonly grads: Buf;
  /** AdamW's first and second moments, in layout order. */
  readonly moment1: Buf;
  readonly moment2: Buf;
  readonly layers: readonly LayerActivations[];
  /** The residual stream after the last layer, [rows, d]. */
  readonly xFinal: Buf;
  readonly lnf: Buf;
  readonly lnfMean: Buf;
  readonly lnfRstd: Buf;
  /** [rows, vocab]; the cross-entropy turns it into its gradient in place. */
  readonly logits: Buf;
  /** A transposed weight matrix (the largest one fits). */
  readonly weightT: Buf;
  /** Backward scratch: the residual gradient, a [rows, d] gradient, a [rows, 4d] one, dqkv. */
  readonly dres: Buf;
  readonly dsmall: Buf;
  readonly dbig: Buf;
  readonly dqkv: Buf;
  /** One head's kᵀ or vᵀ, [hd, T]. */
  readonly attentionT: Buf;
  /** One head's dP, then dS, [T, T]. */
  readonly attentionGrad: Buf;
  /** Where the exponential kernel leaves its sum. */
  readonly sumOut: Buf;
  /** Per row of logits: the cross-entropy kernel's max and sum, [rows, 2]; the target's logit, [rows]. */
  readonly logitStats: Buf;
  readonly targetLogits: Buf;
  /** Each row's token and position, int32, for the embedding kernels (pointers and views). */
  readonly rowTokens: { readonly ptr: number; readonly view: Int32Array };
  readonly rowPositions: { readonly ptr: number; readonly view: Int32Array };

  constructor(layout: ParamLayout, capacity: Capacity) {
    this.layout = layout;
    this.spec = layout.spec;
    this.capacity = capacity;
    const { width: d, vocabSize: vocab, heads, layers } = layout.spec;
    const n = capacity.rows;
    const plan = new ArenaPlan();
    const params = plan.reserve(layout.total);
    const grads = plan.reserve(layout.total);
    const moment1 = plan.reserve(layout.total);
    const moment2 = plan.reserve(layout.total);
    const layerPlans = Array.from({ length: layers }, () => ({
      x: plan.reserve(n * d), ln1: plan.reserve(n * d), ln1Mean: plan.reserve(n), ln1Rstd: plan.reserve(n),
      qkv: plan.reserve(n * 3 * d), probs: plan.reserve(heads * capacity.attentionArea), atty: plan.reserve(n * d),
      x2: plan.reserve(n * d), ln2: plan.reserve(n * d), ln2Mean: plan.reserve(n), ln2Rstd: plan.reserve(n),
      fc: plan.reserve(n * 4 * d), fcGelu: plan.reserve(n * 4 * d), fcTanh: plan.reserve(n * 4 * d),
    }));
    const xFinal = plan.reserve(n * d);
    const lnf = plan.reserve(n * d);
    const lnfMean = plan.reserve(n);
    const lnfRstd = plan.reserve(n);
    const logits = plan.reserve(n * vocab);
    const weightT = plan.reserve(Math.max(4 * d * d, vocab * d));
    const dres = plan.reserve(n * d);
    const dsmall = plan.reserve(n * d);
    const dbig = plan.reserve(n * 4 * d);
    const dqkv = plan.reserve(n * 3 * d);
    const attentionT = plan.reserve((d / heads) * layout.spec.contextLength);
    const attentionGrad = plan.reserve(layout.spec.contextLength * layout.spec.contextLength);
    const sumOut = plan.reserve(4);
    const logitStats = plan.reserve(2 * n);
    const targetLogits = plan.reserve(n);
    const rowTokens = plan.reserve(n);
    const rowPositions = plan.reserve(n);
    // The longest inner dimension of any product: 4d, the rows (weight gradients), the vocabulary.
    const pack = plan.reserve(8 * Math.max(4 * d, n, vocab, layout.spec.contextLength));
    // A weight gradient's A transposed: [in, rows] for the widest input (4d, or the vocabulary).
    const transposed = plan.reserve(Math.max(4 * d, vocab) * n);
    this.arena = new Arena(plan);
    const buf = (i: number): Buf => this.arena.buf(i);
    this.kernels = instantiateKernels(this.arena.memory, buf(pack), buf(transposed));
    this.params = buf(params);
    this.grads = buf(grads);
    this.moment1 = buf(moment1);
    this.moment2 = buf(moment2);
    this.layers = layerPlans.map((p) => Object.fromEntries(Object.entries(p).map(([k, i]) => [k, buf(i)])) as unknown as LayerActivations);
    this.xFinal = buf(xFinal);
    this.lnf = buf(lnf);
    this.lnfMean = buf(lnfMean);
    this.lnfRstd = buf(lnfRstd);
    this.logits = buf(logits);
    this.weightT = buf(weightT);
    this.dres = buf(dres);
    this.dsmall = buf(dsmall);
    this.dbig = buf(dbig);
    this.dqkv = buf(dqkv);
    this.attentionT = buf(attentionT);
    this.attentionGrad = buf(attentionGrad);
    this.sumOut = buf(sumOut);
    this.logitStats = buf(logitStats);
    this.targetLogits = buf(targetLogits);
    const int32s = (i: number): { ptr: number; view: Int32Array } => ({ ptr: buf(i).ptr, view: new Int32Array(this.arena.memory.buffer, buf(i).ptr, n) });
    this.rowTokens = int32s(rowTokens);
    this.rowPositions = int32s(rowPositions);
    const slices = (base: Buf): Map<string, Buf> => new Map(layout.tensors.map((slot) => [slot.name, {
      ptr: base.ptr + slot.offset * 4, length: slot.size, view: base.view.subarray(slot.offset, slot.offset + slot.size),
    }]));
    this.paramBufs = slices(this.params);
    this.gradBufs = slices(this.grads);
  }

  /** One Buf per tensor, made once: the passes ask for them many times a step. */
  private readonly paramBufs: ReadonlyMap<string, Buf>;
  private readonly gradBufs: ReadonlyMap<string, Buf>;

  fits(capacity: Capacity): boolean {
    return capacity.rows <= this.capacity.rows && capacity.attentionArea <= this.capacity.attentionArea;
  }

  /** The parameter tensor `name` as a Buf inside params (or grads). */
  param(name: string): Buf {
    return this.named(this.paramBufs, name);
  }

  grad(name: string): Buf {
    return this.named(this.gradBufs, name);
  }

  private named(bufs: ReadonlyMap<string, Buf>, name: string): Buf {
    const b = bufs.get(name);
    if (b === undefined) throw new Error(`no tensor named ${name} in the layout`);
    return b;
  }
}
