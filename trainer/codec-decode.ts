/**
 * Decoder of untrusted pseudo-gradient payloads (format in codec-format.ts). It checks every rule
 * of the format, in a fixed order, and throws a TrainerError naming the first rule broken; it
 * throws nothing else and runs in time linear in the expected parameter count, whatever the bytes.
 */
import { TrainerError } from './errors.ts';
import type { TrainerErrorCode } from './errors.ts';
import { CODEC_VERSION, HEADER_BYTES, QMAX, checkCodecOptions, chunkCount, countWidth, dequantise, invalid } from './codec-format.ts';
import type { DecodedGradient } from './codec-format.ts';

export interface DecodeExpectations {
  /** The model layout's parameter count. */
  readonly total: number;
  readonly chunkSize: number;
  readonly topK: number;
  /** Size limit, checked before anything is read. */
  readonly maxBytes: number;
}

function reject(code: TrainerErrorCode, reason: string): never {
  throw new TrainerError(code, reason);
}

const F32_EXPONENT_MASK = 0x7f80_0000;
const F32_SIGN_MASK = 0x8000_0000;

export function decodePseudoGradient(payload: Uint8Array, expect: DecodeExpectations): DecodedGradient {
  const { total, chunkSize, topK, maxBytes } = expect;
  checkCodecOptions(total, { chunkSize, topK });
  if (!Number.isInteger(maxBytes) || maxBytes < 0) invalid(`maxBytes must be a non-negative integer, got ${String(maxBytes)}`);
  if (!(payload instanceof Uint8Array)) invalid('the payload must be a Uint8Array');

  if (payload.length > maxBytes) reject('payload-too-large', `payload is ${payload.length} bytes, the limit is ${maxBytes}`);
  if (payload.length < HEADER_BYTES) reject('payload-truncated', `payload is ${payload.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const version = view.getUint8(0);
  if (version !== CODEC_VERSION) reject('payload-version', `format version ${version} is not ${CODEC_VERSION}`);
  const gotTotal = view.getUint32(1, true);
  if (gotTotal !== total) reject('payload-total', `payload is for ${gotTotal} parameters, the model has ${total}`);
  const gotChunkSize = view.getUint32(5, true);
  if (gotChunkSize !== chunkSize) reject('payload-chunk-size', `chunk size is ${gotChunkSize}, the network uses ${chunkSize}`);
  const gotTopK = view.getUint16(9, true);
  if (gotTopK !== topK) reject('payload-top-k', `top-k is ${gotTopK}, the network uses ${topK}`);

  const width = countWidth(topK);
  const chunks = chunkCount(total, chunkSize);
  // Every entry takes 3 bytes, so the payload's length bounds how many there can be.
  const capacity = Math.min(chunks * topK, Math.floor(payload.length / 3));
  const indices = new Uint32Array(capacity);
  const values = new Float32Array(capacity);
  let entries = 0;
  let at = HEADER_BYTES;

  for (let c = 0; c < chunks; c++) {
    const base = c * chunkSize;
    const length = Math.min(chunkSize, total - base);
    if (at + 4 + width > payload.length) reject('payload-truncated', `payload ends inside the header of chunk ${c}`);
    const scaleBits = view.getUint32(at, true);
    const scale = view.getFloat32(at, true);
    at += 4;
    const count = width === 1 ? view.getUint8(at) : view.getUint16(at, true);
    at += width;

    const most = Math.min(topK, length);
    if (count > most) reject('payload-count', `chunk ${c} lists ${count} entries, at most ${most} are allowed`);
    if ((scaleBits & F32_EXPONENT_MASK) === F32_EXPONENT_MASK) reject('payload-scale', `chunk ${c} has scale ${scale}`);
    if ((scaleBits & F32_SIGN_MASK) !== 0) reject('payload-scale', `chunk ${c} has a negative scale (${Object.is(scale, -0) ? '-0' : scale})`);
    if (count === 0) {
      if (scaleBits !== 0) reject('payload-non-canonical', `empty chunk ${c} has scale ${scale}, not 0`);
      continue;
    }
    if ((scaleBits & F32_EXPONENT_MASK) === 0) reject('payload-scale', `chunk ${c} has scale ${scale}, below the smallest normal float32`);
    if (!Number.isFinite(dequantise(QMAX, scale))) reject('payload-scale', `chunk ${c} has scale ${scale}: 127 · scale overflows float32`);
    if (at + 3 * count > payload.length) reject('payload-truncated', `payload ends inside the entries of chunk ${c}`);

    let previous = -1;
    for (let j = 0; j < count; j++) {
      const index = view.getUint16(at + 2 * j, true);
      if (index >= length) reject('payload-index-range', `chunk ${c} has index ${index}, past its ${length} parameters`);
      if (index <= previous) reject('payload-index-order', `chunk ${c} has index ${index} after ${previous}`);
      previous = index;
      indices[entries + j] = base + index;
    }
    at += 2 * count;
    let largest = 0;
    for (let j = 0; j < count; j++) {
      const q = view.getInt8(at + j);
      if (q < -QMAX) reject('payload-value', `chunk ${c} has quantised value ${q}, outside -127 … 127`);
      if (q === 0) reject('payload-non-canonical', `chunk ${c} sends a zero at index ${indices[entries + j]! - base}`);
      largest = Math.max(largest, Math.abs(q));
      values[entries + j] = dequantise(q, scale);
    }
    if (largest !== QMAX) reject('payload-non-canonical', `chunk ${c}'s largest quantised value is ${largest}, not 127`);
    at += count;
    entries += count;
  }
  if (at !== payload.length) reject('payload-trailing', `${payload.length - at} bytes follow the last chunk`);
  return Object.freeze({
    total,
    chunkSize,
    topK,
    indices: indices.slice(0, entries),
    values: values.slice(0, entries),
  });
}
