/**
 * Encoder of the compressed pseudo-gradient (format in codec-format.ts): per chunk, the top-k
 * entries by magnitude, quantised to int8 against a per-chunk float32 scale.
 *
 * Choices that make the output a function of the input alone:
 * - ties in magnitude go to the lower index; exact zeros are never chosen;
 * - scale = fround(max |chosen| / 127), so the largest chosen entry always quantises to ±127;
 * - a chosen entry that quantises to 0 is dropped (it is smaller than max/254, and so is every
 *   entry not chosen): a payload never spends bytes on a zero;
 * - a chunk whose scale would be below the smallest normal float32 is sent empty.
 */
import {
  CODEC_VERSION,
  HEADER_BYTES,
  MIN_NORMAL_F32,
  QMAX,
  checkCodecOptions,
  chunkCount,
  countWidth,
  dequantise,
  invalid,
  maxPayloadBytes,
  quantise,
} from './codec-format.ts';
import type { CodecOptions } from './codec-format.ts';

/** Largest magnitude the encoder accepts: keeps 127 · scale, the largest decoded value, finite. */
export const MAX_ENCODABLE = 2 ** 127;

export interface EncodedPseudoGradient {
  readonly payload: Uint8Array;
  /** Dense float32 vector that every receiver reconstructs from the payload (for error feedback). */
  readonly decoded: Float32Array;
}

export function encodePseudoGradient(vec: Float32Array, options: CodecOptions): EncodedPseudoGradient {
  if (!(vec instanceof Float32Array)) invalid('the vector to encode must be a Float32Array');
  const total = vec.length;
  checkCodecOptions(total, options);
  const { chunkSize, topK } = options;
  for (let i = 0; i < total; i++) {
    const v = vec[i]!;
    if (!(Math.abs(v) <= MAX_ENCODABLE)) invalid(`entry ${i} is ${v}: only finite values up to 2^127 can be encoded`);
  }

  const out = new Uint8Array(maxPayloadBytes(total, options));
  const view = new DataView(out.buffer);
  view.setUint8(0, CODEC_VERSION);
  view.setUint32(1, total, true);
  view.setUint32(5, chunkSize, true);
  view.setUint16(9, topK, true);
  let at = HEADER_BYTES;

  const decoded = new Float32Array(total);
  const width = countWidth(topK);
  const chosen = new Int32Array(topK); // indices within the chunk, by magnitude (desc), then index
  const magnitude = new Float64Array(topK);
  const kept = new Int32Array(topK);
  const keptQ = new Int8Array(topK);
  const packed = new Int32Array(topK);

  for (let c = 0; c < chunkCount(total, chunkSize); c++) {
    const base = c * chunkSize;
    const length = Math.min(chunkSize, total - base);

    const n = selectTopK(vec, base, length, topK, chosen, magnitude);
    let scale = n > 0 ? Math.fround(magnitude[0]! / QMAX) : 0;
    let m = 0;
    if (scale >= MIN_NORMAL_F32) {
      for (let j = 0; j < n; j++) {
        const q = quantise(vec[base + chosen[j]!]!, scale);
        if (q !== 0) {
          kept[m] = chosen[j]!;
          keptQ[m] = q;
          m++;
        }
      }
      sortByIndex(kept, keptQ, m, packed);
    } else {
      scale = 0;
    }

    view.setFloat32(at, scale, true);
    at += 4;
    if (width === 1) view.setUint8(at, m);
    else view.setUint16(at, m, true);
    at += width;
    for (let j = 0; j < m; j++) {
      view.setUint16(at, kept[j]!, true);
      at += 2;
    }
    for (let j = 0; j < m; j++) {
      view.setInt8(at++, keptQ[j]!);
      decoded[base + kept[j]!] = dequantise(keptQ[j]!, scale);
    }
  }
  return { payload: out.slice(0, at), decoded };
}

/** Above this k, selection sorts the chunk's candidates instead of keeping a sorted top-k list. */
const INSERTION_LIMIT = 64;

/**
 * Writes into `chosen` the in-chunk indices of the chunk's (up to) topK non-zero entries of largest
 * magnitude, largest first, equal magnitudes by lower index; `magnitude` gets their |v|. Returns how
 * many were chosen. Both strategies produce this one order.
 */
function selectTopK(
  vec: Float32Array,
  base: number,
  length: number,
  topK: number,
  chosen: Int32Array,
  magnitude: Float64Array,
): number {
  if (topK > INSERTION_LIMIT) {
    const candidates: number[] = [];
    for (let i = 0; i < length; i++) if (vec[base + i] !== 0) candidates.push(i);
    candidates.sort((x, y) => Math.abs(vec[base + y]!) - Math.abs(vec[base + x]!) || x - y);
    const n = Math.min(topK, candidates.length);
    for (let j = 0; j < n; j++) {
      chosen[j] = candidates[j]!;
      magnitude[j] = Math.abs(vec[base + candidates[j]!]!);
    }
    return n;
  }
  let n = 0;
  for (let i = 0; i < length; i++) {
    const a = Math.abs(vec[base + i]!);
    if (a === 0 || (n === topK && a <= magnitude[n - 1]!)) continue;
    // Insert after every entry of equal or larger magnitude: equal ones came first (lower index).
    let p = n < topK ? n++ : n - 1;
    while (p > 0 && magnitude[p - 1]! < a) {
      magnitude[p] = magnitude[p - 1]!;
      chosen[p] = chosen[p - 1]!;
      p--;
    }
    magnitude[p] = a;
    chosen[p] = i;
  }
  return n;
}

/** Sorts the first m (index, q) pairs by index: packed as index·256 + (q + 128), one numeric sort. */
function sortByIndex(index: Int32Array, q: Int8Array, m: number, scratch: Int32Array): void {
  const packed = scratch.subarray(0, m);
  for (let j = 0; j < m; j++) packed[j] = index[j]! * 256 + (q[j]! + 128);
  packed.sort();
  for (let j = 0; j < m; j++) {
    index[j] = packed[j]! >> 8;
    q[j] = (packed[j]! & 255) - 128;
  }
}
