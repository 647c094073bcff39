/**
 * Failures the JSON-RPC server answers with. Each has a string code for the program and the
 * numeric code on the wire: JSON-RPC 2.0's own (-32xxx) for malformed calls, and bitcoind's
 * application codes (rpc/protocol.h) for the rest, so that tools written for bitcoind read them
 * the same way.
 */
import { CodedError } from '../../trainer/coded-error.ts';

export type RpcFailure =
  | 'parse-error' // the body is not JSON
  | 'invalid-request' // JSON, but not a JSON-RPC 2.0 request (or an empty or oversized batch)
  | 'method-not-found'
  | 'invalid-params' // wrong count, unknown name, wrong type
  | 'internal-error' // a bug or a storage failure behind the call
  | 'misc-error' // bitcoind RPC_MISC_ERROR
  | 'invalid-address-or-key' // bitcoind RPC_INVALID_ADDRESS_OR_KEY: no such block, a bad address
  | 'invalid-parameter' // bitcoind RPC_INVALID_PARAMETER: well typed but out of range
  | 'deserialization-error' // bitcoind RPC_DESERIALIZATION_ERROR: hex that does not decode
  | 'verify-error' // bitcoind RPC_VERIFY_ERROR: a submission failed for another reason
  | 'verify-rejected' // bitcoind RPC_VERIFY_REJECTED: the mempool refused the transfer
  | 'p2p-disabled'; // bitcoind RPC_CLIENT_P2P_DISABLED: the node runs without its network

export const RPC_ERROR_CODES: Readonly<Record<RpcFailure, number>> = Object.freeze({
  'parse-error': -32700,
  'invalid-request': -32600,
  'method-not-found': -32601,
  'invalid-params': -32602,
  'internal-error': -32603,
  'misc-error': -1,
  'invalid-address-or-key': -5,
  'invalid-parameter': -8,
  'deserialization-error': -22,
  'verify-error': -25,
  'verify-rejected': -26,
  'p2p-disabled': -31,
});

export class RpcServerError extends CodedError<RpcFailure> {
  /** The JSON-RPC error's data member (e.g. the mempool's refusal code), if any. */
  readonly data: unknown;
  constructor(code: RpcFailure, reason: string, data?: unknown) {
    super(code, reason);
    this.data = data;
  }

  get rpcCode(): number {
    return RPC_ERROR_CODES[this.code];
  }
}

/** The JSON-RPC error object for a response. */
export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export function errorObject(err: RpcServerError): RpcErrorObject {
  return err.data === undefined ? { code: err.rpcCode, message: err.reason } : { code: err.rpcCode, message: err.reason, data: err.data };
}
