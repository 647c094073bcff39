/**
 * Pool exchange when a peer connects (Bitcoin's BIP 35 `mempool` message, answered at once): the
 * newcomer asks, and gets what waits for the next block. gossipsub only carries what is published
 * while a peer listens, so without this a transfer or a contribution sent before a node joined
 * would never reach it.
 *
 *   request   the msgpack nil byte (0xc0), nothing else
 *   response  one chunk per item: a kind byte (0 transfer, 1 contribution) and the item's encoding,
 *             contributions first (they are only good for the current tip), then transfers in the
 *             order a block would take them, within POOL_RESPONSE_BUDGET bytes
 *
 * What comes back is checked as if it were gossip (gossip-handlers.ts): an invalid item costs the
 * peer its score, a duplicate or a full pool is ignored.
 */
import type { PeerId } from '@libp2p/interface';
import { DecodeError } from '../../../chain/errors.ts';
import { P2PError } from '../errors.ts';
import type { NetworkContributions, NetworkMempool } from '../seams.ts';
import type { ReqResp, RequestHandler } from './reqresp.ts';

export const POOL_REQUEST = Uint8Array.of(0xc0);
/** Bytes of items in one pool response at most (the first item always fits). */
export const POOL_RESPONSE_BUDGET = 8 * 1024 * 1024;
/** Transfers offered at most: a full block's worth and more. */
export const MAX_POOL_TRANSFERS = 4_096;

const ITEM_KIND = { transfer: 0, contribution: 1 } as const;

export interface PooledItems {
  readonly transfers: Uint8Array[];
  readonly contributions: Uint8Array[];
}

export function decodePoolRequest(body: Uint8Array): null {
  if (body.length !== 1 || body[0] !== POOL_REQUEST[0]) throw new DecodeError('malformed', 'a pool request is the single byte 0xc0');
  return null;
}

export function poolHandler(sources: { readonly mempool?: NetworkMempool; readonly contributions?: NetworkContributions }, maxContributions: number): RequestHandler<null> {
  function* items(): Generator<Uint8Array> {
    let total = 0;
    const tagged = (kind: number, bytes: Uint8Array): Uint8Array | null => {
      if (total > 0 && total + bytes.length + 2 > POOL_RESPONSE_BUDGET) return null;
      total += bytes.length + 2;
      const chunk = new Uint8Array(bytes.length + 1);
      chunk[0] = kind;
      chunk.set(bytes, 1);
      return chunk;
    };
    for (const bytes of sources.contributions?.pooled?.(maxContributions) ?? []) {
      const chunk = tagged(ITEM_KIND.contribution, bytes);
      if (!chunk) return;
      yield chunk;
    }
    for (const bytes of sources.mempool?.pooled?.(MAX_POOL_TRANSFERS) ?? []) {
      const chunk = tagged(ITEM_KIND.transfer, bytes);
      if (!chunk) return;
      yield chunk;
    }
  }
  return { decode: decodePoolRequest, cost: () => 1, respond: () => items() };
}

/** Asks `peer` for its pools. Throws P2PError; a chunk of no known kind is 'malformed'. */
export async function requestPool(reqresp: ReqResp, peer: PeerId, signal?: AbortSignal): Promise<PooledItems> {
  return reqresp.request(peer, 'pool', POOL_REQUEST, parsePool, signal);
}

function parsePool(payloads: Uint8Array[]): PooledItems {
  const out: PooledItems = { transfers: [], contributions: [] };
  for (const payload of payloads) {
    const body = payload.subarray(1);
    if (payload[0] === ITEM_KIND.transfer) out.transfers.push(body);
    else if (payload[0] === ITEM_KIND.contribution) out.contributions.push(body);
    else throw new P2PError('malformed', `a pool item of unknown kind ${payload[0] ?? 'none'}`);
  }
  return out;
}
