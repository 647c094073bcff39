/** The compressed pseudo-gradient: format, encoder, decoder and sparse helpers, in one import. */
export {
  CODEC_VERSION,
  DEFAULT_CODEC_OPTIONS,
  HEADER_BYTES,
  MAX_CHUNK_SIZE,
  MAX_TOTAL,
  chunkCount,
  maxPayloadBytes,
  quantise,
  dequantise,
  roundHalfAwayFromZero,
} from './codec-format.ts';
export type { CodecOptions, DecodedGradient } from './codec-format.ts';
export { encodePseudoGradient, MAX_ENCODABLE } from './codec-encode.ts';
export type { EncodedPseudoGradient } from './codec-encode.ts';
export { decodePseudoGradient } from './codec-decode.ts';
export type { DecodeExpectations } from './codec-decode.ts';
export { densify, applySparse, payloadNormSquared } from './codec-sparse.ts';
