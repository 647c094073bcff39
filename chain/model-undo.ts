/**
 * The model's share of a block's undo data: the previous float32 value of every coordinate the
 * block's outer step changed, as (index, previous bits) pairs. Writing them back into the model
 * after the block gives the parent's model bit for bit, so a disconnect costs what the block
 * changed, not a copy of the whole model per block.
 *
 * "Changed" is decided on bit patterns, not on values: a coordinate whose float32 bits are equal
 * before and after needs no undo, and one that went from +0 to −0 (equal as numbers) does. The
 * pairs are therefore exactly the coordinates of the aggregated contributions' sparse indices that
 * the step moved; coordinates a contribution named but rounding left unchanged are not stored,
 * because restoring them would write back the same bits.
 *
 * Bytes: a sequence of 8-byte pairs, index u32 little-endian then the previous value's float32
 * bits little-endian (the byte order of the model hash), indices strictly increasing, so the
 * record is a function of the two models alone.
 */
import { DecodeError } from './errors.ts';

export interface ModelUndo {
  /** Strictly increasing coordinates. */
  readonly indices: Uint32Array;
  /** The parent model's value at each index (float32 bits as stored). */
  readonly values: Float32Array;
}

export const EMPTY_MODEL_UNDO: ModelUndo = Object.freeze({ indices: new Uint32Array(0), values: new Float32Array(0) });

const PAIR_BYTES = 8;

function bitsOf(model: Float32Array): Uint32Array {
  return new Uint32Array(model.buffer, model.byteOffset, model.length);
}

/** The pairs that turn `after` back into `before` (the same array twice gives none). */
export function diffModel(before: Float32Array, after: Float32Array): ModelUndo {
  if (before.length !== after.length) throw new RangeError(`models of ${before.length} and ${after.length} parameters`);
  if (before === after) return EMPTY_MODEL_UNDO;
  const a = bitsOf(before);
  const b = bitsOf(after);
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  const indices = new Uint32Array(count);
  const previous = new Uint32Array(count);
  for (let i = 0, k = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    indices[k] = i;
    previous[k++] = a[i]!;
  }
  return Object.freeze({ indices, values: new Float32Array(previous.buffer) });
}

/**
 * The model before the block: a copy of `after` with the undo pairs written back (`after` itself
 * is not modified, since callers may still hold it).
 */
export function restoreModel(after: Float32Array, undo: ModelUndo): Float32Array {
  const restored = after.slice();
  const bits = bitsOf(restored);
  const previous = bitsOf(undo.values);
  for (let k = 0; k < undo.indices.length; k++) {
    const i = undo.indices[k]!;
    if (i >= restored.length) throw new RangeError(`undo index ${i} is outside a model of ${restored.length} parameters`);
    bits[i] = previous[k]!;
  }
  return restored;
}

export function encodeModelUndo(undo: ModelUndo): Uint8Array {
  const out = new Uint8Array(undo.indices.length * PAIR_BYTES);
  const view = new DataView(out.buffer);
  const previous = bitsOf(undo.values);
  for (let k = 0; k < undo.indices.length; k++) {
    view.setUint32(k * PAIR_BYTES, undo.indices[k]!, true);
    view.setUint32(k * PAIR_BYTES + 4, previous[k]!, true);
  }
  return out;
}

/** Throws DecodeError unless `bytes` is whole pairs with strictly increasing indices. */
export function decodeModelUndo(bytes: Uint8Array): ModelUndo {
  if (bytes.length % PAIR_BYTES !== 0) throw new DecodeError('bad-field', `model undo of ${bytes.length} bytes is not whole 8-byte pairs`);
  const n = bytes.length / PAIR_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const indices = new Uint32Array(n);
  const previous = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    indices[k] = view.getUint32(k * PAIR_BYTES, true);
    if (k > 0 && indices[k]! <= indices[k - 1]!) throw new DecodeError('bad-field', `model undo indices must increase (pair ${k})`);
    previous[k] = view.getUint32(k * PAIR_BYTES + 4, true);
  }
  return Object.freeze({ indices, values: new Float32Array(previous.buffer) });
}

/** A model as stored: its float32 bits, little-endian (the bytes the model hash covers). */
export function encodeModel(model: Float32Array): Uint8Array {
  const out = new Uint8Array(model.length * 4);
  const view = new DataView(out.buffer);
  const bits = bitsOf(model);
  for (let i = 0; i < bits.length; i++) view.setUint32(4 * i, bits[i]!, true);
  return out;
}

/** Throws DecodeError unless `bytes` holds exactly `total` float32 values. */
export function decodeModel(bytes: Uint8Array, total: number): Float32Array {
  if (bytes.length !== total * 4) throw new DecodeError('bad-field', `a stored model of ${bytes.length} bytes, ${total * 4} expected`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const model = new Float32Array(total);
  const bits = bitsOf(model);
  for (let i = 0; i < total; i++) bits[i] = view.getUint32(4 * i, true);
  return model;
}
