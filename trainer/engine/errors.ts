/**
 * Failures of the training engine. A node that cannot load the backend it was asked for must say
 * which one, why, and what to do about it, in one readable line rather than a stack dump; the code
 * lets the CLI choose between "install this" and "this machine cannot run it".
 */
import { CodedError, describeError } from '../coded-error.ts';

export type EngineErrorCode =
  | 'backend-unknown' // a backend name the engine does not know
  | 'backend-missing' // its npm package is not installed
  | 'backend-unavailable' // installed, but this machine cannot run it (no GPU adapter, no CUDA device)
  | 'backend-failed' // it loaded but failed to initialise or gave wrong numbers in the self-check
  | 'no-backend' // 'auto' found none that loads and passes the self-check
  | 'diverged' // the training loss became NaN or infinite (learning rate too high, or bad parameters)
  | 'invalid-argument'; // a caller passed parameters, sequences or options outside the contract

export class EngineError extends CodedError<EngineErrorCode> {}

export function isEngineError(err: unknown, code?: EngineErrorCode): err is EngineError {
  return EngineError.is(err, code);
}

/** The first line of anything thrown, for a one-line reason (tfjs' messages run on for pages). */
export function describeThrown(err: unknown): string {
  return describeError(err).split('\n')[0]!;
}
