/**
 * The fast engine as an engine backend: loading it compiles its WebAssembly kernels (which says
 * whether this JavaScript engine has SIMD, and relaxed SIMD's fused multiply-add), and its
 * self-check is self-check.ts's, not tfjs'.
 */
import { describeThrown, EngineError, isEngineError } from '../engine/errors.ts';
import { ArenaPlan, Arena } from './arena.ts';
import { instantiateKernels } from './kernels-module.ts';

export function loadFast(): string {
  try {
    const plan = new ArenaPlan();
    const pack = plan.reserve(16);
    const arena = new Arena(plan);
    const { fused } = instantiateKernels(arena.memory, arena.buf(pack));
    return `WebAssembly SIMD, float32${fused ? ', fused multiply-add' : ''}, 1 thread (trainer/fast)`;
  } catch (err) {
    if (isEngineError(err)) throw err;
    throw new EngineError('backend-unavailable', `the fast engine's kernels do not compile here: ${describeThrown(err)}`);
  }
}
