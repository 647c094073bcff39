/**
 * Framing of request/response streams, as Ethereum's consensus req/resp (which Lodestar speaks):
 *
 *   request  = frame(body)                        the requester then closes its writable end
 *   response = frame(code ‖ payload)*            the responder then closes its end
 *   frame(x) = unsigned varint length ‖ x
 *
 * A response is a stream of chunks; a chunk's first byte is its result code. Success chunks carry
 * a payload; an error chunk carries a short UTF-8 reason and ends the response. The length prefix
 * is checked against the protocol's limit before a byte of the frame is buffered, so an oversized
 * frame costs the reader nothing.
 */
import { decode as lpDecode, encode as lpEncode } from 'it-length-prefixed';
import type { Uint8ArrayList } from 'uint8arraylist';
import { P2PError } from '../errors.ts';
import { MAX_ERROR_REASON_BYTES } from './limits.ts';

export const RESULT = {
  success: 0,
  invalidRequest: 1,
  serverError: 2,
  rateLimited: 3,
} as const;

export type ResultCode = (typeof RESULT)[keyof typeof RESULT];

export type ResponseChunk =
  | { readonly code: typeof RESULT.success; readonly payload: Uint8Array }
  | { readonly code: Exclude<ResultCode, typeof RESULT.success>; readonly reason: string };

/** A varint never needs more than 5 bytes for a 32-bit length; a longer one is junk. */
const MAX_LENGTH_PREFIX_BYTES = 5;

export function encodeFrame(body: Uint8Array): Uint8Array {
  return lpEncode.single(body).subarray();
}

export function encodeSuccessChunk(payload: Uint8Array): Uint8Array {
  const body = new Uint8Array(payload.length + 1);
  body[0] = RESULT.success;
  body.set(payload, 1);
  return encodeFrame(body);
}

export function encodeErrorChunk(code: Exclude<ResultCode, typeof RESULT.success>, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason).subarray(0, MAX_ERROR_REASON_BYTES);
  const body = new Uint8Array(text.length + 1);
  body[0] = code;
  body.set(text, 1);
  return encodeFrame(body);
}

/** Splits a chunk frame into its result code and payload; throws P2PError('malformed') on an unknown code. */
export function parseChunk(frame: Uint8Array): ResponseChunk {
  if (frame.length === 0) throw new P2PError('malformed', 'a response chunk has no result byte');
  const code = frame[0]!;
  const rest = frame.subarray(1);
  if (code === RESULT.success) return { code, payload: rest };
  if (code === RESULT.invalidRequest || code === RESULT.serverError || code === RESULT.rateLimited) {
    if (rest.length > MAX_ERROR_REASON_BYTES) throw new P2PError('oversized', `an error chunk's reason is ${rest.length} bytes`);
    return { code, reason: new TextDecoder('utf-8', { fatal: false }).decode(rest) };
  }
  throw new P2PError('malformed', `unknown result code ${code}`);
}

export interface FrameLimits {
  /** Largest frame body. */
  readonly maxFrameBytes: number;
  /** Most frames; one more is an error. */
  readonly maxFrames: number;
  /** Most bytes in all frame bodies together. */
  readonly maxTotalBytes: number;
}

/**
 * Reads frames from a stream within the limits, as fresh plain Uint8Arrays. Throws P2PError: 'oversized'
 * (a length prefix over the limit, or too many bytes in all), 'too-many-chunks', 'truncated' (the
 * stream ended inside a frame) or 'malformed' (a length prefix that is not a varint).
 */
export async function* readFrames(
  source: AsyncIterable<Uint8Array | Uint8ArrayList>,
  limits: FrameLimits,
): AsyncGenerator<Uint8Array, void, undefined> {
  let frames = 0;
  let total = 0;
  const frameSource = lpDecode(source, { maxDataLength: limits.maxFrameBytes, maxLengthLength: MAX_LENGTH_PREFIX_BYTES });
  try {
    for await (const frame of frameSource) {
      frames += 1;
      if (frames > limits.maxFrames) throw new P2PError('too-many-chunks', `more than ${limits.maxFrames} frames`);
      total += frame.byteLength;
      if (total > limits.maxTotalBytes) throw new P2PError('oversized', `more than ${limits.maxTotalBytes} bytes in all frames`);
      // A plain copy: pooled Buffer memory must not outlive the read.
      yield new Uint8Array(frame.subarray());
    }
  } catch (err) {
    throw toFrameError(err, limits.maxFrameBytes);
  }
}

/** it-length-prefixed's errors (and anything else a stream throws) as typed errors. */
function toFrameError(err: unknown, maxFrameBytes: number): unknown {
  if (err instanceof P2PError) return err;
  const name = err instanceof Error ? err.name : '';
  switch (name) {
    case 'InvalidDataLengthError':
      return new P2PError('oversized', `a frame's length prefix exceeds the limit of ${maxFrameBytes} bytes`);
    case 'UnexpectedEOFError':
      return new P2PError('truncated', 'the stream ended inside a frame');
    case 'InvalidDataLengthLengthError':
    case 'InvalidMessageLengthError':
      return new P2PError('malformed', 'a frame has an invalid length prefix');
    case 'StreamResetError':
    case 'StreamAbortedError':
      return new P2PError('stream-reset', err instanceof Error ? err.message : 'stream reset');
    default:
      return err;
  }
}
