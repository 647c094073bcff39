export { referenceLoss, referenceLogits, preparedLoss, preparedLogits } from './loss.ts';
export { prepareModel } from './model.ts';
export type { PreparedModel, PrepareOptions, BlockWeights } from './model.ts';
export type { KernelKind } from './backing.ts';
export { EvaluatorError } from './errors.ts';
export type { EvaluatorErrorCode } from './errors.ts';
export { exp, expm1, log, tanh } from './math.ts';
