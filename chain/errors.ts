/**
 * Decoding failures of untrusted bytes. Every decoder in chain/ throws only this error, whatever
 * the input, so callers (network, RPC, storage) can punish or report without guessing.
 */
import { CodedError } from '../trainer/coded-error.ts';

export type DecodeCode =
  | 'oversized' // longer than the declared limit, checked before any parsing
  | 'malformed' // not valid msgpack, truncated, or trailing bytes
  | 'non-canonical' // valid msgpack, but not the one canonical encoding of its value
  | 'bad-field'; // well-formed, but a field has the wrong type, length or range

export class DecodeError extends CodedError<DecodeCode> {}
