/**
 * The compressed pseudo-gradient's wire format and its arithmetic, shared by the encoder and the
 * decoder. Every rule here is consensus: all nodes must decode a payload to the same floats.
 *
 * Payload (all integers little-endian):
 *
 *   header, 11 bytes:
 *     u8   version      = 1
 *     u32  total        parameter count (the model layout's total)
 *     u32  chunkSize    parameters per chunk, 1 … 65 536
 *     u16  topK         most entries per chunk, 1 … min(chunkSize, 65 535)
 *   then for each of the ⌈total / chunkSize⌉ chunks in order (the last may be partial):
 *     f32  scale        0 for an empty chunk; otherwise a positive normal float32
 *     u8   count        (u16 when topK > 255) entries in this chunk, ≤ min(topK, chunk length)
 *     u16  index × count   offsets within the chunk, strictly increasing
 *     i8   q × count       quantised values, in −127 … 127, never 0, largest |q| exactly 127
 *
 * Entry (chunk c, index i, q) decodes to parameter c·chunkSize + i with value fround(q · scale).
 */
import { TrainerError, requireInt } from './errors.ts';

export const CODEC_VERSION = 1;
export const HEADER_BYTES = 11;
export const MAX_CHUNK_SIZE = 65_536;
export const MAX_TOTAL = 2 ** 32 - 1;
export const QMAX = 127;

export interface CodecOptions {
  readonly chunkSize: number;
  readonly topK: number;
}

export const DEFAULT_CODEC_OPTIONS: CodecOptions = Object.freeze({ chunkSize: 1024, topK: 16 });

/** A decoded payload in sparse form: absolute parameter indices, strictly increasing, and values. */
export interface DecodedGradient {
  readonly total: number;
  readonly chunkSize: number;
  readonly topK: number;
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

/** The smallest positive normal float32; smaller scales would quantise with too few bits. */
export const MIN_NORMAL_F32 = 2 ** -126;

export function checkCodecOptions(total: number, options: CodecOptions): void {
  requireInt(total, 'total', 1, MAX_TOTAL);
  requireInt(options.chunkSize, 'chunkSize', 1, MAX_CHUNK_SIZE);
  requireInt(options.topK, 'topK', 1, Math.min(options.chunkSize, 65_535));
}

export function chunkCount(total: number, chunkSize: number): number {
  return Math.ceil(total / chunkSize);
}

/** Bytes of a chunk's count field. */
export function countWidth(topK: number): 1 | 2 {
  return topK <= 255 ? 1 : 2;
}

/** The largest payload the format allows for these settings: every chunk full. */
export function maxPayloadBytes(total: number, options: CodecOptions): number {
  checkCodecOptions(total, options);
  let bytes = HEADER_BYTES;
  const chunks = chunkCount(total, options.chunkSize);
  for (let c = 0; c < chunks; c++) {
    const length = Math.min(options.chunkSize, total - c * options.chunkSize);
    bytes += 4 + countWidth(options.topK) + 3 * Math.min(options.topK, length);
  }
  return bytes;
}

/**
 * ⌊|x| + ½⌋ with the sign of x, computed exactly: `Math.floor(x + 0.5)` would round
 * 0.49999999999999994 up, because the addition itself rounds.
 */
export function roundHalfAwayFromZero(x: number): number {
  const a = Math.abs(x);
  let r = Math.floor(a);
  if (a - r >= 0.5) r += 1;
  return x < 0 ? -r : r;
}

/** q = round-half-away-from-zero(v / scale) clamped to [−127, 127]; the division is in float64. */
export function quantise(value: number, scale: number): number {
  const q = roundHalfAwayFromZero(value / scale);
  return q > QMAX ? QMAX : q < -QMAX ? -QMAX : q;
}

/** The one decoded value of an entry: q · scale rounded once to float32. */
export function dequantise(q: number, scale: number): number {
  return Math.fround(q * scale);
}

export function invalid(reason: string): never {
  throw new TrainerError('invalid-argument', reason);
}
