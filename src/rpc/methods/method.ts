/**
 * An RPC method: a one-line summary and its parameters (for `help` and for binding named
 * parameters), and the function that answers it. Results are plain JSON: amounts, nonces and other
 * 64-bit integers as decimal strings, hashes and bytes as lowercase hex.
 */
import type { RpcNode } from './context.ts';
import type { ParamSpec, Params } from './params.ts';

export interface RpcMethod {
  readonly summary: string;
  readonly params: readonly ParamSpec[];
  /** What the result is, one line, for `help <method>`. */
  readonly result: string;
  readonly run: (params: Params, node: RpcNode) => unknown;
}

export type RpcMethodTable = Readonly<Record<string, RpcMethod>>;
