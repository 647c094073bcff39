/**
 * Canonical msgpack. Structures are encoded as arrays in a fixed field order (never maps),
 * byte strings as msgpack bin, amounts as bigint (always the 8-byte int64/uint64 forms), small
 * counters as plain integers (msgpack's shortest form). The decoder accepts a byte string only if
 * re-encoding its value gives the very same bytes, so every value has exactly one encoding and a
 * hash over encoded bytes is a hash over the value.
 */
import { Packr } from 'msgpackr';
import { DecodeError } from './errors.ts';
import { describeError } from '../trainer/coded-error.ts';

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: false,
  int64AsType: 'bigint',
  largeBigIntToFloat: false,
  moreTypes: false,
  bundleStrings: false,
  structuredClone: false,
  variableMapSize: true,
});

export type Encodable =
  | number
  | bigint
  | boolean
  | null
  | string
  | Uint8Array
  | readonly Encodable[];

export function encode(value: Encodable): Uint8Array {
  const buf = packr.pack(value);
  // A plain Uint8Array view: Buffer's pooled memory must not leak into hashes or storage.
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice();
}

/**
 * Decodes untrusted bytes. The size limit is checked before parsing; any failure of msgpackr
 * (truncation, bad type byte, absurd lengths, too deep nesting) becomes a DecodeError.
 */
export function decode(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  if (bytes.length > maxBytes) {
    throw new DecodeError('oversized', `${what} is ${bytes.length} bytes, the limit is ${maxBytes}`);
  }
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    const detail = describeError(err);
    throw new DecodeError('malformed', `${what} is not valid msgpack (${detail})`);
  }
  let again: Uint8Array;
  try {
    again = encode(value as Encodable);
  } catch {
    throw new DecodeError('non-canonical', `${what} holds a value that has no canonical encoding`);
  }
  if (!bytesEqual(again, bytes)) {
    throw new DecodeError('non-canonical', `${what} is not in canonical encoding`);
  }
  return value;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
