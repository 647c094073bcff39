/**
 * Compiles the fast engine's WebAssembly kernels once per process and binds them to a memory.
 * The fused build (relaxed-SIMD multiply-add) is tried first; an engine without relaxed SIMD
 * rejects it at compile time and gets the build with a separate multiply and add. Binding writes
 * the kernels' constant table into the memory first (kernel-constants.ts).
 */
import type { WasmFunction, WasmMemory } from '../reference/wasm-builder.ts';
import { buildModule, wasmApi } from '../reference/wasm-builder.ts';
import { describeThrown, EngineError } from '../engine/errors.ts';
import type { AdamwUpdate, SumSquares } from './adamw-kernel.ts';
import { adamwUpdateFunction, sumSquaresFunction } from './adamw-kernel.ts';
import type { ColumnSums } from './column-sum-kernel.ts';
import { columnSumsFunction } from './column-sum-kernel.ts';
import type { CausalSoftmax } from './causal-softmax-kernel.ts';
import { causalSoftmaxFunction } from './causal-softmax-kernel.ts';
import type { ExpShifted } from './exp-kernel.ts';
import type { CausalSoftmaxBackward } from './softmax-grad-kernel.ts';
import { causalSoftmaxBackwardFunction } from './softmax-grad-kernel.ts';
import type { LayerNormBackwardKernel, LayerNormForwardKernel } from './layernorm-kernel.ts';
import { layerNormBackwardFunction, layerNormForwardFunction } from './layernorm-kernel.ts';
import { expShiftedFunction } from './exp-kernel.ts';
import type { GeluBackward, GeluForward } from './gelu-kernel.ts';
import { geluBackwardFunction, geluForwardFunction } from './gelu-kernel.ts';
import type { MatmulTiles } from './matmul-kernel.ts';
import { matmulTilesFunction } from './matmul-kernel.ts';
import { CONSTANTS_BYTES, CONSTANTS_PTR, ConstantTable } from './kernel-constants.ts';
import type { Transpose } from './transpose-kernel.ts';
import type { CrossEntropyRows } from './cross-entropy-kernel.ts';
import { crossEntropyRowsFunction } from './cross-entropy-kernel.ts';
import type { EmbedBackward, EmbedForward } from './embedding-kernel.ts';
import { embedBackwardFunction, embedForwardFunction } from './embedding-kernel.ts';
import { transposeFunction } from './transpose-kernel.ts';

export interface Kernels {
  readonly matmulTiles: MatmulTiles;
  readonly geluForward: GeluForward;
  readonly geluBackward: GeluBackward;
  readonly expShifted: ExpShifted;
  readonly adamwUpdate: AdamwUpdate;
  readonly sumSquares: SumSquares;
  readonly columnSums: ColumnSums;
  readonly layerNormForward: LayerNormForwardKernel;
  readonly layerNormBackward: LayerNormBackwardKernel;
  readonly causalSoftmaxBackward: CausalSoftmaxBackward;
  readonly causalSoftmax: CausalSoftmax;
  readonly transpose: Transpose;
  readonly crossEntropyRows: CrossEntropyRows;
  readonly embedForward: EmbedForward;
  readonly embedBackward: EmbedBackward;
  /** Byte address and size (floats) of the matrix kernel's packing panel. */
  readonly pack: number;
  readonly packFloats: number;
  /** Byte address and size (floats) of the scratch for A transposed (0 floats: never transpose). */
  readonly transposed: number;
  readonly transposedFloats: number;
  /** Whether the multiply-adds are the relaxed-SIMD fused ones. */
  readonly fused: boolean;
}

interface Compiled {
  readonly module: object;
  readonly fused: boolean;
  /** The constant table the module's code reads (kernel-constants.ts). */
  readonly constants: Uint8Array;
}

let compiled: Compiled | undefined;

/** The module's bytes, multiply-adds fused or not, and the constants its code reads. */
export function kernelModule(fused: boolean): { bytes: Uint8Array; constants: Uint8Array } {
  const constants = new ConstantTable();
  const functions: WasmFunction[] = [
    matmulTilesFunction(fused), geluForwardFunction(fused, constants), geluBackwardFunction(constants), expShiftedFunction(fused, constants),
    adamwUpdateFunction, sumSquaresFunction, columnSumsFunction, layerNormForwardFunction(constants), layerNormBackwardFunction,
    causalSoftmaxBackwardFunction, causalSoftmaxFunction(fused, constants), transposeFunction,
    crossEntropyRowsFunction(fused, constants), embedForwardFunction, embedBackwardFunction,
  ];
  return { bytes: buildModule(functions), constants: constants.contents };
}

function compile(): Compiled {
  if (compiled !== undefined) return compiled;
  if (wasmApi === undefined) throw new EngineError('backend-unavailable', 'this JavaScript engine has no WebAssembly');
  let failure = '';
  for (const fused of [true, false]) {
    try {
      const { bytes, constants } = kernelModule(fused);
      compiled = { module: new wasmApi.Module(bytes), fused, constants };
      return compiled;
    } catch (err) {
      // Without relaxed SIMD the fused build does not validate; try the plain one.
      failure = describeThrown(err);
    }
  }
  throw new EngineError('backend-unavailable', `this JavaScript engine has no WebAssembly SIMD (f32x4): ${failure}`);
}

interface Scratch {
  readonly ptr: number;
  readonly length: number;
}

/**
 * The kernels on `memory`: the matrix kernel packs into `pack` (inner × 8 floats at most) and
 * transposes a strided A into `transposed` where it fits.
 */
export function instantiateKernels(memory: WasmMemory, pack: Scratch, transposed: Scratch = { ptr: 0, length: 0 }): Kernels {
  const { module, fused, constants } = compile();
  new Uint8Array(memory.buffer, CONSTANTS_PTR, CONSTANTS_BYTES).set(constants);
  const instance = new wasmApi!.Instance(module, { env: { memory } });
  return {
    matmulTiles: instance.exports['matmulTiles'] as MatmulTiles,
    geluForward: instance.exports['geluForward'] as GeluForward,
    geluBackward: instance.exports['geluBackward'] as GeluBackward,
    expShifted: instance.exports['expShifted'] as ExpShifted,
    adamwUpdate: instance.exports['adamwUpdate'] as AdamwUpdate,
    sumSquares: instance.exports['sumSquares'] as SumSquares,
    columnSums: instance.exports['columnSums'] as ColumnSums,
    layerNormForward: instance.exports['layerNormForward'] as LayerNormForwardKernel,
    layerNormBackward: instance.exports['layerNormBackward'] as LayerNormBackwardKernel,
    causalSoftmaxBackward: instance.exports['causalSoftmaxBackward'] as CausalSoftmaxBackward,
    causalSoftmax: instance.exports['causalSoftmax'] as CausalSoftmax,
    transpose: instance.exports['transpose'] as Transpose,
    crossEntropyRows: instance.exports['crossEntropyRows'] as CrossEntropyRows,
    embedForward: instance.exports['embedForward'] as EmbedForward,
    embedBackward: instance.exports['embedBackward'] as EmbedBackward,
    pack: pack.ptr,
    packFloats: pack.length,
    transposed: transposed.ptr,
    transposedFloats: transposed.length,
    fused,
  };
}
