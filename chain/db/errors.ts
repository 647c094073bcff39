/**
 * Storage failures. Not consensus errors: they say the datadir cannot be used as it is (held by
 * another process, written by other software or for another network, or damaged), and the node
 * must stop and tell the operator rather than carry on.
 */
import { CodedError } from '../../trainer/coded-error.ts';

export type ChainDBCode =
  | 'in-use' // another process holds the LevelDB lock
  | 'version-mismatch' // written by an incompatible version of this software
  | 'wrong-network' // initialised from another genesis
  | 'corrupt' // a record is missing or does not decode
  | 'closed'; // used after close()

export class ChainDBError extends CodedError<ChainDBCode> {}
