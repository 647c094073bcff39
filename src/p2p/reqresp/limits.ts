/**
 * What each request/response protocol allows, in the manner of Lodestar's protocol definitions:
 * every protocol declares its request and response sizes (checked on the length prefix, before a
 * byte is buffered or decoded), its time limits and its per-peer rate limit. The table in
 * docs/network.md is this file.
 */
import type { ChainParams } from '../../../consensus/params.ts';
import { HEADER_BYTES } from '../../../chain/header.ts';
import type { ProtocolKind } from '../protocols.ts';
import { MAX_POOL_TRANSFERS, POOL_RESPONSE_BUDGET } from './pool.ts';

/** Headers per response, as Bitcoin's getheaders. */
export const MAX_HEADERS_PER_REQUEST = 2_000;
/** Blocks per blocks-by-hash or blocks-by-range request. */
export const MAX_BLOCKS_PER_REQUEST = 64;
/** Hashes in a locator: 10 dense, then doubling steps, reaches height 2^54 in 64. */
export const MAX_LOCATOR_HASHES = 64;
/** A blocks response stops before this many bytes (but always holds at least one block). */
export const BLOCKS_RESPONSE_BUDGET = 16 * 1024 * 1024;
/** An error chunk carries a short reason for the logs. */
export const MAX_ERROR_REASON_BYTES = 256;

/** Token bucket: `capacity` tokens at most, refilled at `refillPerSecond`; a request costs `cost` tokens. */
export interface RateLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface ProtocolLimits {
  /** Largest request frame. */
  readonly maxRequestBytes: number;
  /** Largest response chunk (one result byte and its payload). */
  readonly maxChunkBytes: number;
  /** Most response chunks. */
  readonly maxChunks: number;
  /** Most bytes in all response chunks together. */
  readonly maxResponseBytes: number;
  /** The server waits this long for the request. */
  readonly requestTimeoutMs: number;
  /** The client waits this long for the whole response. */
  readonly responseTimeoutMs: number;
  readonly rateLimit: RateLimit;
}

export type ProtocolLimitTable = Readonly<Record<ProtocolKind, ProtocolLimits>>;

// msgpack framing: bin8 carries a 240-byte header in 242 bytes, bin8 a hash in 34; arrays cost 5 at most.
const HEADER_ITEM_BYTES = HEADER_BYTES + 2;
const HASH_ITEM_BYTES = 32 + 2;
const ARRAY_BYTES = 5;
const RESULT_BYTE = 1;
/** [genesis, tip, height, chainwork ≤ 40 bytes] */
const STATUS_BYTES = 1 + HASH_ITEM_BYTES * 2 + 5 + 42;

/** The limits for a network (block limits follow its genesis). */
export function protocolLimits(params: ChainParams): ProtocolLimitTable {
  const blockChunk = RESULT_BYTE + params.limits.maxBlockBytes;
  // Both block protocols answer with the same blocks: only their requests differ.
  const blockResponses = {
    maxChunkBytes: blockChunk,
    maxChunks: MAX_BLOCKS_PER_REQUEST,
    maxResponseBytes: Math.max(BLOCKS_RESPONSE_BUDGET, blockChunk),
    requestTimeoutMs: 5_000,
    responseTimeoutMs: 30_000,
    rateLimit: { capacity: 1_024, refillPerSecond: 512 },
  } as const;
  // A kind byte and a contribution (its payload and fields) or a transfer.
  const poolChunk = RESULT_BYTE + 1 + params.gauntlet.maxPayloadBytes + 256;
  return Object.freeze({
    status: Object.freeze({
      maxRequestBytes: STATUS_BYTES,
      maxChunkBytes: RESULT_BYTE + STATUS_BYTES,
      maxChunks: 1,
      maxResponseBytes: RESULT_BYTE + STATUS_BYTES,
      requestTimeoutMs: 5_000,
      responseTimeoutMs: 5_000,
      rateLimit: { capacity: 5, refillPerSecond: 0.2 },
    }),
    headers: Object.freeze({
      maxRequestBytes: 1 + ARRAY_BYTES + MAX_LOCATOR_HASHES * HASH_ITEM_BYTES + 5,
      maxChunkBytes: RESULT_BYTE + ARRAY_BYTES + MAX_HEADERS_PER_REQUEST * HEADER_ITEM_BYTES,
      maxChunks: 1,
      maxResponseBytes: RESULT_BYTE + ARRAY_BYTES + MAX_HEADERS_PER_REQUEST * HEADER_ITEM_BYTES,
      requestTimeoutMs: 5_000,
      responseTimeoutMs: 10_000,
      rateLimit: { capacity: 20, refillPerSecond: 4 },
    }),
    blocksByHash: Object.freeze({ maxRequestBytes: 1 + ARRAY_BYTES + MAX_BLOCKS_PER_REQUEST * HASH_ITEM_BYTES, ...blockResponses }),
    blocksByRange: Object.freeze({ maxRequestBytes: 1 + 5 + 5, ...blockResponses }),
    // Asked once per connection: two in a row are allowed, then one a minute.
    pool: Object.freeze({
      maxRequestBytes: 1,
      maxChunkBytes: poolChunk,
      maxChunks: MAX_POOL_TRANSFERS + 2 * params.gauntlet.maxContributions,
      maxResponseBytes: Math.max(POOL_RESPONSE_BUDGET, poolChunk),
      requestTimeoutMs: 5_000,
      responseTimeoutMs: 30_000,
      rateLimit: { capacity: 2, refillPerSecond: 1 / 60 },
    }),
  });
}
