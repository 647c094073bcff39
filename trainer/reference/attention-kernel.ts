/**
 * Attention's weighted values (attention.ts) as a WebAssembly SIMD kernel: for one query,
 * o_j = Σ_u p_u · v_u,j over keys u ascending, eight output columns at a time in two f32x4
 * registers. Each lane is one column's sum, started at +0 and added to in u order with a
 * separate float32 multiply and add, exactly weighted-values.ts's scalar loop, so the bits are the same (the
 * tests run whole models both ways). It was the largest part of attention left in JavaScript.
 */
import type { WasmFunction, WasmMemory } from './wasm-builder.ts';
import { I32, V128, buildModule, op, wasmApi } from './wasm-builder.ts';

const { localGet: get, localSet: set, i32Const: int } = op;

// Parameters (i32; pointers are byte offsets into the memory).
const OUT = 0; // o_0 of the query
const P = 1; // p_0
const V = 2; // v_0,0
const KEYS = 3; // ≥ 1
const V_STRIDE = 4; // bytes from v_u,0 to v_u+1,0
const BLOCKS = 5; // blocks of 8 columns
// Locals.
const PP = 6;
const VP = 7;
const P_END = 8;
const ACC = [9, 10] as const;
const PU = 11;

const weightedValues: WasmFunction = {
  name: 'weightedValues',
  params: [I32, I32, I32, I32, I32, I32],
  locals: [[3, I32], [3, V128]],
  body: [
    ...get(P), ...get(KEYS), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(P_END),
    ...op.block, ...op.loop, // for each block of 8 columns
    ...get(BLOCKS), ...op.i32Eqz, ...op.brIf(1),
    ...ACC.flatMap((a) => [...op.f32x4Const(0), ...set(a)]),
    ...get(P), ...set(PP),
    ...get(V), ...set(VP),
    ...op.block, ...op.loop, // for u ascending
    ...get(PP), ...get(P_END), ...op.i32GeU, ...op.brIf(1),
    ...get(PP), ...op.v128Load32Splat(0), ...set(PU),
    ...ACC.flatMap((a, i) => [...get(a), ...get(PU), ...get(VP), ...op.v128Load(16 * i), ...op.f32x4Mul, ...op.f32x4Add, ...set(a)]),
    ...get(PP), ...int(4), ...op.i32Add, ...set(PP),
    ...get(VP), ...get(V_STRIDE), ...op.i32Add, ...set(VP),
    ...op.br(0),
    ...op.end, ...op.end,
    ...ACC.flatMap((a, i) => [...get(OUT), ...get(a), ...op.v128Store(16 * i)]),
    ...get(OUT), ...int(32), ...op.i32Add, ...set(OUT),
    ...get(V), ...int(32), ...op.i32Add, ...set(V),
    ...get(BLOCKS), ...int(1), ...op.i32Sub, ...set(BLOCKS),
    ...op.br(0),
    ...op.end, ...op.end,
  ],
};

export type WeightedValuesKernel = (out: number, p: number, v: number, keys: number, vStride: number, blocks: number) => void;

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(buildModule([weightedValues])) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The kernel bound to a memory, or null without WebAssembly SIMD (attention.ts keeps its loop). */
export function instantiateWeightedValues(memory: WasmMemory): WeightedValuesKernel | null {
  const module = kernelModule();
  if (module === null || !wasmApi) return null;
  return new wasmApi.Instance(module, { env: { memory } }).exports['weightedValues'] as WeightedValuesKernel;
}
