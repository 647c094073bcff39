/**
 * Headers by locator (Bitcoin's getheaders): the responder finds the first locator hash on its
 * main chain and answers with up to `max` main-chain headers after it, as one chunk.
 */
import type { Header } from '../../../consensus/types.ts';
import type { PeerId } from '@libp2p/interface';
import { DecodeError } from '../../../chain/errors.ts';
import { P2PError } from '../errors.ts';
import type { NetworkChain } from '../seams.ts';
import { decodeHeadersRequest, decodeHeadersResponse, encodeHeadersRequest, encodeHeadersResponse, type HeadersRequest } from './messages.ts';
import type { ReqResp, RequestHandler } from './reqresp.ts';

export function headersHandler(chain: NetworkChain): RequestHandler<HeadersRequest> {
  return {
    decode: decodeHeadersRequest,
    cost: () => 1,
    respond: (request) => [encodeHeadersResponse(chain.getHeadersAfter(request.locator, request.max))],
  };
}

/**
 * Asks `peer` for headers after `locator`. Throws P2PError; a response that is not one chunk of
 * at most `max` well-formed headers is 'malformed' or 'unrequested', charged to the peer.
 */
export async function requestHeaders(
  reqresp: ReqResp,
  peer: PeerId,
  request: HeadersRequest,
  signal?: AbortSignal,
): Promise<Header[]> {
  return reqresp.request(peer, 'headers', encodeHeadersRequest(request), (payloads) => parseHeaders(payloads, request.max), signal);
}

function parseHeaders(payloads: Uint8Array[], max: number): Header[] {
  if (payloads.length !== 1) throw new P2PError('malformed', `a headers response is one chunk, got ${payloads.length}`);
  let headers: Header[];
  try {
    headers = decodeHeadersResponse(payloads[0]!);
  } catch (err) {
    if (err instanceof DecodeError) throw new P2PError('malformed', `headers response: ${err.message}`);
    throw err;
  }
  if (headers.length > max) throw new P2PError('unrequested', `asked for ${max} headers, got ${headers.length}`);
  return headers;
}
