/**
 * Network failures, as Lodestar's RequestError: a machine-readable code, a reason a person can
 * read, and never a crash. Peer scoring reads the code to decide what a failure costs the peer.
 */
import { CodedError } from '../../trainer/coded-error.ts';

export type P2PErrorCode =
  // transport and timing
  | 'dial-failed' // no stream could be opened to the peer
  | 'unsupported-protocol' // the peer does not speak the protocol (another network, or not a node)
  | 'timeout' // no complete answer within the protocol's time limit
  | 'stream-reset' // the peer (or the muxer) reset the stream
  // framing and content, checked before anything is decoded
  | 'oversized' // a frame longer than the protocol allows
  | 'truncated' // the stream ended inside a frame
  | 'malformed' // an impossible length prefix, an unknown result code, or a message that does not decode
  | 'too-many-chunks' // more response chunks than the protocol allows
  | 'unrequested' // a response that does not answer the request (wrong hash, order or height)
  // answers from the remote
  | 'invalid-request' // the remote says our request was invalid
  | 'server-error' // the remote failed while answering
  | 'rate-limited' // the remote refused: we are over its rate limit
  // peers
  | 'wrong-network' // the peer's status names another genesis
  | 'banned' // the peer is on the ban list
  | 'closed'; // the network is stopped

export class P2PError extends CodedError<P2PErrorCode> {}

export function isP2PError(err: unknown, code?: P2PErrorCode): err is P2PError {
  return P2PError.is(err, code);
}

export { describeError } from '../../trainer/coded-error.ts';
