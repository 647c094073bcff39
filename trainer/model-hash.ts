/**
 * The model hash a block header commits to: BLAKE3("gradientcoin/model/v1" ‖ p₀ ‖ p₁ ‖ …) where
 * each pᵢ is a parameter's float32 bit pattern in little-endian byte order. The bits are hashed as
 * stored, NaN payloads and −0 included, so two vectors hash alike only if they are bit-identical.
 */
import { blake3Of } from './blake3.ts';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

const MODEL_DOMAIN = utf8ToBytes('gradientcoin/model/v1');

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The little-endian bytes of a float32 vector. On a little-endian host this is a view of the
 * vector's own memory (no copy); elsewhere each word is written out explicitly. The bit pattern
 * is moved as an integer, never as a float, so no NaN is canonicalised on the way.
 */
export function float32LittleEndianBytes(values: Float32Array, viewIfPossible = true): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN && viewIfPossible) {
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(4 * i, words[i]!, true);
  return out;
}

export function modelHash(params: Float32Array): Uint8Array {
  return blake3Of(MODEL_DOMAIN, float32LittleEndianBytes(params));
}

export function modelHashHex(params: Float32Array): string {
  return bytesToHex(modelHash(params));
}
