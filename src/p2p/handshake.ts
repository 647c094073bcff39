/**
 * The status handshake. On every new connection each side sends its status (genesis, tip hash,
 * height, cumulative work) and answers the other's with its own, so both learn where the other
 * stands even if one request is lost. A peer whose genesis differs is on another network: it is
 * disconnected and not dialled again for a while. Statuses are exchanged again periodically, and
 * the work a peer claims is only a hint for sync: headers prove it or cost the peer.
 */
import type { PeerId } from '@libp2p/interface';
import { bytesEqual } from '../../consensus/bytes.ts';
import { toHex } from '../../consensus/hash.ts';
import { DecodeError } from '../../chain/errors.ts';
import { P2PError } from './errors.ts';
import type { NetworkChain } from './seams.ts';
import { decodeStatus, encodeStatus, type Status } from './reqresp/messages.ts';
import type { ReqResp, RequestHandler } from './reqresp/reqresp.ts';

export function localStatus(chain: NetworkChain): Status {
  const tip = chain.tip();
  return Object.freeze({ genesis: chain.genesis().hash, tipHash: tip.hash, height: tip.height, chainwork: tip.chainwork });
}

/** Null when the peer is on our network, else why not. */
export function networkMismatch(ourGenesis: Uint8Array, theirs: Status): string | null {
  if (bytesEqual(ourGenesis, theirs.genesis)) return null;
  return `genesis ${toHex(theirs.genesis)} is not ours (${toHex(ourGenesis)})`;
}

/** Serves the status protocol: records the peer's status and answers with ours. */
export function statusHandler(chain: NetworkChain, onStatus: (peer: string, status: Status) => void): RequestHandler<Status> {
  return {
    decode: decodeStatus,
    cost: () => 1,
    respond: function* (status, peer) {
      // Answered first, even across networks, so the other side learns why it is dropped.
      yield encodeStatus(localStatus(chain));
      onStatus(peer, status);
    },
  };
}

/** Sends our status to `peer` and returns its own. */
export async function requestStatus(reqresp: ReqResp, peer: PeerId, chain: NetworkChain, signal?: AbortSignal): Promise<Status> {
  return reqresp.request(peer, 'status', encodeStatus(localStatus(chain)), parseStatus, signal);
}

function parseStatus(payloads: Uint8Array[]): Status {
  if (payloads.length !== 1) throw new P2PError('malformed', `a status response is one chunk, got ${payloads.length}`);
  try {
    return decodeStatus(payloads[0]!);
  } catch (err) {
    if (err instanceof DecodeError) throw new P2PError('malformed', `status: ${err.message}`);
    throw err;
  }
}
