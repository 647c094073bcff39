/**
 * Blocks by hash and blocks by range. A response is a stream of chunks, one encoded block each
 * (chain/block.ts), in the order asked for; the responder leaves out blocks it does not have and
 * stops before BLOCKS_RESPONSE_BUDGET bytes, so a response may be a prefix of what was asked. The
 * requester checks that each block is one it asked for, in order, before anything is decoded in
 * full: the block hash is read from the header at the front of the encoding.
 */
import type { PeerId } from '@libp2p/interface';
import { sha256d } from '../../../consensus/hash.ts';
import { bytesEqual, toHexKey } from '../../../consensus/bytes.ts';
import { decodeHeader, HEADER_BYTES } from '../../../chain/header.ts';
import type { Header } from '../../../consensus/types.ts';
import { DecodeError } from '../../../chain/errors.ts';
import { P2PError } from '../errors.ts';
import type { NetworkChain } from '../seams.ts';
import { BLOCKS_RESPONSE_BUDGET } from './limits.ts';
import {
  decodeBlocksByHashRequest,
  decodeBlocksByRangeRequest,
  encodeBlocksByHashRequest,
  encodeBlocksByRangeRequest,
  type BlocksByRangeRequest,
} from './messages.ts';
import type { ReqResp, RequestHandler } from './reqresp.ts';

/** An encoded block with the hash its header gives it. */
export interface FetchedBlock {
  readonly hash: Uint8Array;
  readonly header: Header;
  readonly bytes: Uint8Array;
}

// A canonical block starts: fixarray(4), bin8, length 240, then the header.
const BLOCK_PREFIX = [0x94, 0xc4, HEADER_BYTES] as const;

/**
 * The header and hash of an encoded block, from the header bytes at its front (the rest is decoded
 * by the chain when the block is added). Throws P2PError('malformed') when the bytes cannot be a block.
 */
export function peekBlockHeader(bytes: Uint8Array): { hash: Uint8Array; header: Header } {
  if (bytes.length < BLOCK_PREFIX.length + HEADER_BYTES || BLOCK_PREFIX.some((b, i) => bytes[i] !== b)) {
    throw new P2PError('malformed', 'a block chunk does not start with a block header');
  }
  const headerBytes = bytes.subarray(BLOCK_PREFIX.length, BLOCK_PREFIX.length + HEADER_BYTES);
  try {
    return { hash: sha256d(headerBytes), header: decodeHeader(headerBytes) };
  } catch (err) {
    if (err instanceof DecodeError) throw new P2PError('malformed', `block header: ${err.message}`);
    throw err;
  }
}

/** Yields stored blocks in order, stopping before the byte budget (one block always fits). */
async function* withinBudget(chain: NetworkChain, hashes: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let total = 0;
  for (const hash of hashes) {
    const bytes = await chain.getBlockBytes(hash);
    if (!bytes) continue;
    if (total > 0 && total + bytes.length + 1 > BLOCKS_RESPONSE_BUDGET) return;
    total += bytes.length + 1;
    yield bytes;
  }
}

export function blocksByHashHandler(chain: NetworkChain): RequestHandler<Uint8Array[]> {
  return {
    decode: decodeBlocksByHashRequest,
    cost: (hashes) => hashes.length,
    respond: (hashes) => withinBudget(chain, hashes),
  };
}

export function blocksByRangeHandler(chain: NetworkChain): RequestHandler<BlocksByRangeRequest> {
  function* mainChainHashes(request: BlocksByRangeRequest): Generator<Uint8Array> {
    for (let height = request.start; height < request.start + request.count; height++) {
      const entry = chain.getEntryAtHeight(height);
      if (!entry) return;
      yield entry.hash;
    }
  }
  return {
    decode: decodeBlocksByRangeRequest,
    cost: (request) => request.count,
    respond: (request) => withinBudget(chain, mainChainHashes(request)),
  };
}

/**
 * Asks `peer` for blocks by hash. Returns those it sent, each checked to be one asked for, in the
 * order asked; anything else is P2PError('unrequested').
 */
export async function requestBlocksByHash(
  reqresp: ReqResp,
  peer: PeerId,
  hashes: readonly Uint8Array[],
  signal?: AbortSignal,
): Promise<FetchedBlock[]> {
  return reqresp.request(peer, 'blocksByHash', encodeBlocksByHashRequest(hashes), (payloads) => parseByHash(payloads, hashes), signal);
}

function parseByHash(payloads: Uint8Array[], hashes: readonly Uint8Array[]): FetchedBlock[] {
  const position = new Map(hashes.map((h, i) => [toHexKey(h), i]));
  const out: FetchedBlock[] = [];
  let last = -1;
  for (const bytes of payloads) {
    const { hash, header } = peekBlockHeader(bytes);
    const at = position.get(toHexKey(hash));
    if (at === undefined || at <= last) throw new P2PError('unrequested', 'a block that was not asked for, or out of order');
    last = at;
    out.push({ hash, header, bytes });
  }
  return out;
}

/**
 * Asks `peer` for main-chain blocks from `start`. Returns those it sent, checked to have
 * consecutive heights from `start` and to link to each other.
 */
export async function requestBlocksByRange(
  reqresp: ReqResp,
  peer: PeerId,
  request: BlocksByRangeRequest,
  signal?: AbortSignal,
): Promise<FetchedBlock[]> {
  return reqresp.request(peer, 'blocksByRange', encodeBlocksByRangeRequest(request), (payloads) => parseByRange(payloads, request), signal);
}

function parseByRange(payloads: Uint8Array[], request: BlocksByRangeRequest): FetchedBlock[] {
  const out: FetchedBlock[] = [];
  for (const [i, bytes] of payloads.entries()) {
    const { hash, header } = peekBlockHeader(bytes);
    const previous = out[i - 1];
    if (header.height !== request.start + i || (previous && !bytesEqual(header.parentHash, previous.hash))) {
      throw new P2PError('unrequested', `block ${i} of a range from ${request.start} has height ${header.height} or does not link`);
    }
    out.push({ hash, header, bytes });
  }
  return out;
}
