/**
 * Request and response bodies, in the chain's canonical msgpack (arrays in a fixed field order,
 * byte strings as bin). Decoders take untrusted bytes and throw only DecodeError; the frame's size
 * was checked against the protocol's limit before they run.
 *
 *   Status              [genesis 32, tip 32, height u32, chainwork (big-endian, no leading zero)]
 *   HeadersRequest      [locator: 1..64 hashes of 32, max u32 ≤ 2000]
 *   HeadersResponse     [0..2000 headers of 240]
 *   BlocksByHashRequest [1..64 hashes of 32]
 *   BlocksByRangeRequest[start height u32, count 1..64]
 *
 * A blocks response is a stream of chunks, one encoded block (chain/block.ts) per chunk.
 */
import type { Header } from '../../../consensus/types.ts';
import { decode, encode } from '../../../chain/encoding.ts';
import { DecodeError } from '../../../chain/errors.ts';
import { readArray, readBytes, readList, readU32 } from '../../../chain/fields.ts';
import { decodeHeader, encodeHeader, HEADER_BYTES } from '../../../chain/header.ts';
import { MAX_BLOCKS_PER_REQUEST, MAX_HEADERS_PER_REQUEST, MAX_LOCATOR_HASHES } from './limits.ts';

export interface Status {
  readonly genesis: Uint8Array;
  readonly tipHash: Uint8Array;
  readonly height: number;
  /** Cumulative work of the tip's chain, genesis included. */
  readonly chainwork: bigint;
}

export interface HeadersRequest {
  readonly locator: readonly Uint8Array[];
  readonly max: number;
}

export interface BlocksByRangeRequest {
  readonly start: number;
  readonly count: number;
}

/** 2^320 hashes is beyond any chain; a longer chainwork is junk. */
const MAX_CHAINWORK_BYTES = 40;
/** Decoders cap their input at the largest frame any protocol allows for them. */
const DECODE_CAP = 1 << 20;

export function encodeStatus(s: Status): Uint8Array {
  return encode([s.genesis, s.tipHash, s.height, chainworkToBytes(s.chainwork)]);
}

export function decodeStatus(bytes: Uint8Array): Status {
  const f = readArray(decode(bytes, DECODE_CAP, 'status'), 4, 'status');
  return Object.freeze({
    genesis: readBytes(f[0], 'status.genesis', 32),
    tipHash: readBytes(f[1], 'status.tip', 32),
    height: readU32(f[2], 'status.height'),
    chainwork: chainworkFromBytes(readBytes(f[3], 'status.chainwork', undefined, MAX_CHAINWORK_BYTES)),
  });
}

export function encodeHeadersRequest(r: HeadersRequest): Uint8Array {
  return encode([r.locator, r.max]);
}

export function decodeHeadersRequest(bytes: Uint8Array): HeadersRequest {
  const f = readArray(decode(bytes, DECODE_CAP, 'headers request'), 2, 'headers request');
  const locator = readList(f[0], MAX_LOCATOR_HASHES, 'headers request.locator').map((v, i) => readBytes(v, `locator[${i}]`, 32));
  if (locator.length === 0) throw new DecodeError('bad-field', 'headers request.locator is empty');
  const max = readU32(f[1], 'headers request.max');
  if (max === 0 || max > MAX_HEADERS_PER_REQUEST) {
    throw new DecodeError('bad-field', `headers request.max is ${max}, allowed 1 to ${MAX_HEADERS_PER_REQUEST}`);
  }
  return Object.freeze({ locator: Object.freeze(locator), max });
}

export function encodeHeadersResponse(headers: readonly Header[]): Uint8Array {
  return encode(headers.map(encodeHeader));
}

export function decodeHeadersResponse(bytes: Uint8Array): Header[] {
  const list = readList(decode(bytes, DECODE_CAP, 'headers response'), MAX_HEADERS_PER_REQUEST, 'headers response');
  return list.map((v, i) => decodeHeader(readBytes(v, `headers[${i}]`, HEADER_BYTES)));
}

export function encodeBlocksByHashRequest(hashes: readonly Uint8Array[]): Uint8Array {
  return encode(hashes);
}

export function decodeBlocksByHashRequest(bytes: Uint8Array): Uint8Array[] {
  const list = readList(decode(bytes, DECODE_CAP, 'blocks-by-hash request'), MAX_BLOCKS_PER_REQUEST, 'blocks-by-hash request');
  if (list.length === 0) throw new DecodeError('bad-field', 'blocks-by-hash request is empty');
  return list.map((v, i) => readBytes(v, `hashes[${i}]`, 32));
}

export function encodeBlocksByRangeRequest(r: BlocksByRangeRequest): Uint8Array {
  return encode([r.start, r.count]);
}

export function decodeBlocksByRangeRequest(bytes: Uint8Array): BlocksByRangeRequest {
  const f = readArray(decode(bytes, DECODE_CAP, 'blocks-by-range request'), 2, 'blocks-by-range request');
  const start = readU32(f[0], 'blocks-by-range request.start');
  const count = readU32(f[1], 'blocks-by-range request.count');
  if (count === 0 || count > MAX_BLOCKS_PER_REQUEST) {
    throw new DecodeError('bad-field', `blocks-by-range request.count is ${count}, allowed 1 to ${MAX_BLOCKS_PER_REQUEST}`);
  }
  return Object.freeze({ start, count });
}

/** Minimal big-endian bytes (0 → empty), so every chainwork has one encoding. */
export function chainworkToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('chainwork must not be negative');
  const out: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn));
  return Uint8Array.from(out);
}

function chainworkFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length > 0 && bytes[0] === 0) throw new DecodeError('non-canonical', 'status.chainwork has a leading zero byte');
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}
