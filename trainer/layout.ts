/**
 * The flat float32 parameter layout. Every engine (tfjs, the reference evaluator, the codec,
 * consensus' outer step) addresses parameters through this one table, so the order here is part
 * of consensus: changing it changes every model hash.
 *
 * Matrices are row-major [in, out] so that y = x · W (x a row vector), as in llm.c.
 */
import type { ModelSpec } from './spec.ts';

export type TensorKind = 'embedding' | 'matrix' | 'bias' | 'norm-gain' | 'norm-bias';

export interface TensorSlot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  /** Drives initialisation and weight decay (decay applies to 'matrix' and 'embedding' only). */
  readonly kind: TensorKind;
}

export interface ParamLayout {
  readonly spec: ModelSpec;
  readonly tensors: readonly TensorSlot[];
  readonly byName: ReadonlyMap<string, TensorSlot>;
  /** Total number of float32 parameters. */
  readonly total: number;
}

export function paramLayout(spec: ModelSpec): ParamLayout {
  const d = spec.width;
  const v = spec.vocabSize;
  const tensors: TensorSlot[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], kind: TensorKind): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    tensors.push(Object.freeze({ name, shape: Object.freeze(shape), offset, size, kind }));
    offset += size;
  };
  add('wte', [v, d], 'embedding');
  add('wpe', [spec.contextLength, d], 'embedding');
  for (let l = 0; l < spec.layers; l++) {
    const p = `h${l}.`;
    add(`${p}ln1.g`, [d], 'norm-gain');
    add(`${p}ln1.b`, [d], 'norm-bias');
    add(`${p}attn.wqkv`, [d, 3 * d], 'matrix');
    add(`${p}attn.bqkv`, [3 * d], 'bias');
    add(`${p}attn.wo`, [d, d], 'matrix');
    add(`${p}attn.bo`, [d], 'bias');
    add(`${p}ln2.g`, [d], 'norm-gain');
    add(`${p}ln2.b`, [d], 'norm-bias');
    add(`${p}mlp.wfc`, [d, 4 * d], 'matrix');
    add(`${p}mlp.bfc`, [4 * d], 'bias');
    add(`${p}mlp.wproj`, [4 * d, d], 'matrix');
    add(`${p}mlp.bproj`, [d], 'bias');
  }
  add('lnf.g', [d], 'norm-gain');
  add('lnf.b', [d], 'norm-bias');
  if (!spec.tiedEmbeddings) add('lm_head', [d, v], 'matrix');
  return Object.freeze({
    spec,
    tensors: Object.freeze(tensors),
    byName: new Map(tensors.map((t) => [t.name, t])),
    total: offset,
  });
}

/** A view of one named tensor inside the flat parameter vector (no copy). */
export function tensorView(layout: ParamLayout, params: Float32Array, name: string): Float32Array {
  const slot = layout.byName.get(name);
  if (!slot) throw new Error(`no tensor named ${name} in the layout`);
  if (params.length !== layout.total) {
    throw new Error(`parameter vector has ${params.length} floats, layout needs ${layout.total}`);
  }
  return params.subarray(slot.offset, slot.offset + slot.size);
}
