/**
 * Failures of the trainer's data and codec modules. Every decoder of untrusted bytes here throws
 * only this error, whatever the input, so consensus can turn a code into a rejection without
 * guessing; the reason says in words which value broke which rule.
 */
import { CodedError } from './coded-error.ts';

export type TrainerErrorCode =
  // a caller passed a value outside the function's contract (a bug or a bad configuration)
  | 'invalid-argument'
  // corpus loading
  | 'corpus-missing' // the folder or package is not there
  | 'corpus-empty' // no documents, or only empty ones
  | 'corpus-encoding' // a document is not valid UTF-8
  // pseudo-gradient payloads (the size limit first, then the header, then chunk by chunk)
  | 'payload-too-large' // longer than the caller's limit, checked before anything else
  | 'payload-truncated' // ends inside the header or a chunk
  | 'payload-version' // unknown format version
  | 'payload-total' // parameter count differs from the model's
  | 'payload-chunk-size' // chunk size differs from the network's
  | 'payload-top-k' // top-k differs from the network's
  | 'payload-count' // a chunk lists more entries than top-k or than the chunk holds
  | 'payload-scale' // a scale is NaN, infinite, negative, -0 or subnormal
  | 'payload-index-range' // an index points past the end of its chunk
  | 'payload-index-order' // indices within a chunk are not strictly increasing
  | 'payload-value' // a quantised value is -128
  | 'payload-non-canonical' // decodes, but is not the one encoding the encoder would produce
  | 'payload-trailing'; // bytes after the last chunk

export class TrainerError extends CodedError<TrainerErrorCode> {}

export function isTrainerError(err: unknown, code?: TrainerErrorCode): err is TrainerError {
  return TrainerError.is(err, code);
}

/** Checks an integer argument; the message names the argument so a misconfiguration is obvious. */
export function requireInt(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TrainerError('invalid-argument', `${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
