export {
  AUTO_ORDER,
  BACKEND_NAMES,
  DEFAULT_BACKEND,
  availableBackends,
  currentBackend,
  ensureBackend,
  parseBackendChoice,
  releaseBackends,
  selectBackend,
} from './backends.ts';
export type { BackendChoice, BackendName, BackendStatus, SelectOptions, SelectedBackend } from './backends.ts';
export { EngineError, isEngineError } from './errors.ts';
export type { EngineErrorCode } from './errors.ts';
export { tfjsLoss } from './gpt.ts';
export { pseudoGradient, trainInner } from './train.ts';
export type { BatchSource, TrainOptions, TrainResult } from './train.ts';
