/**
 * Misuse of the reference evaluator: inputs that break its contract. Consensus calls it only with
 * checked inputs, so one of these there is a bug, reported with the value that broke the rule.
 */
import { CodedError } from '../coded-error.ts';

export type EvaluatorErrorCode =
  | 'param-count' // the parameter vector's length differs from the layout's total
  | 'empty-batch' // no sequences to score
  | 'sequence-length' // a sequence is shorter or longer than the model can score
  | 'invalid-option'; // a sampling option is out of range

export class EvaluatorError extends CodedError<EvaluatorErrorCode> {}
