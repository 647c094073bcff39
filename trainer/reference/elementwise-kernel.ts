/**
 * The evaluator's exponentials in WebAssembly SIMD, two float64 lanes at a time: GELU over the
 * MLP's hidden layer (mlp.ts) and the shifted exponentials of softmax and cross-entropy
 * (softmax.ts). About a thousand exp per token make them the largest cost after the matrix
 * products; V8's code for the scalar exp branches per value and mispredicts often, where the
 * lanes run one straight sequence (exp-lanes.ts). Every lane performs the scalar code's
 * operations on its value, in its order, and the sums of the softmax are added one value at a
 * time in index order, so the bits are those of mlp.ts and softmax.ts; the tests check it on
 * random arrays and on the special values.
 */
import type { Code, WasmFunction, WasmMemory } from './wasm-builder.ts';
import { F64, I32, V128, buildModule, op, wasmApi } from './wasm-builder.ts';
import { ConstantLocals, EXP_LOCAL_COUNT, expLanes, expLocals } from './exp-lanes.ts';
import { GELU_CUBIC, SQRT_2_OVER_PI } from './mlp.ts';

const { localGet: get, localSet: set, i32Const: int } = op;

/** END = PTR + 8·(COUNT rounded down to even): where the two-lane loop stops. */
const pairsEnd = (ptr: number, count: number, end: number): Code => [
  ...get(ptr), ...get(count), ...int(-2), ...op.i32And, ...int(3), ...op.i32Shl, ...op.i32Add, ...set(end),
];

/** for (; PTR < END; PTR += 16) body */
const pairLoop = (ptr: number, end: number, body: Code): Code => [
  ...op.block, ...op.loop,
  ...get(ptr), ...get(end), ...op.i32GeU, ...op.brIf(1),
  ...body,
  ...get(ptr), ...int(16), ...op.i32Add, ...set(ptr),
  ...op.br(0),
  ...op.end, ...op.end,
];

// gelu(ptr, count): values[i] = gelu(values[i]) for i < count.
const G_PTR = 0;
const G_COUNT = 1;
const G_END = 2;
const G_V = 3;
const G_EXP = expLocals(4);
const G_CONSTANTS = new ConstantLocals(4 + EXP_LOCAL_COUNT);

/** x / (1 + exp(−2·(c·(x + ((0.044715·x)·x)·x)))) of both lanes of local V, as mlp.ts's gelu. */
const geluLanes = (splat: (value: number) => Code): Code => [
  ...splat(-2), ...splat(SQRT_2_OVER_PI),
  ...get(G_V), ...splat(GELU_CUBIC), ...get(G_V), ...op.f64x2Mul, ...get(G_V), ...op.f64x2Mul, ...get(G_V), ...op.f64x2Mul,
  ...op.f64x2Add, ...op.f64x2Mul, ...op.f64x2Mul, ...set(G_EXP.x),
  ...get(G_V), ...splat(1), ...expLanes(G_EXP, G_CONSTANTS), ...op.f64x2Add, ...op.f64x2Div,
];

const geluLoops: Code = [
    ...pairsEnd(G_PTR, G_COUNT, G_END),
    ...pairLoop(G_PTR, G_END, [
      ...get(G_PTR),
      ...get(G_PTR), ...op.v128Load(0), ...set(G_V),
      ...geluLanes((v) => G_CONSTANTS.get(v)),
      ...op.v128Store(0),
    ]),
    // An odd last value: both lanes compute it, lane 0 is stored.
    ...get(G_COUNT), ...int(1), ...op.i32And, ...op.if,
    ...get(G_PTR),
    ...get(G_PTR), ...op.v128Load64Splat(0), ...set(G_V),
    ...geluLanes((v) => G_CONSTANTS.get(v)),
    ...op.f64x2ExtractLane(0), ...op.f64Store(0),
    ...op.end,
];

const gelu: WasmFunction = {
  name: 'gelu',
  params: [I32, I32],
  locals: [[1, I32], [1 + EXP_LOCAL_COUNT + G_CONSTANTS.count, V128]],
  body: [...G_CONSTANTS.init(), ...geluLoops],
};

// expShifted(ptr, count, shift, store) → Σ e_i from 0, e_i = exp(values[i] − shift), in i order;
// with store ≠ 0, values[i] = e_i.
const S_PTR = 0;
const S_COUNT = 1;
const S_SHIFT = 2;
const S_STORE = 3;
const S_END = 4;
const S_TOTAL = 5;
const S_SPLAT = 6;
const S_E = 7;
const S_EXP = expLocals(8);
const S_CONSTANTS = new ConstantLocals(8 + EXP_LOCAL_COUNT);

const addLane = (lane: 0 | 1): Code => [
  ...get(S_TOTAL), ...get(S_E), ...op.f64x2ExtractLane(lane), ...op.f64Add, ...set(S_TOTAL),
];

const expShiftedLoops: Code = [
    ...get(S_SHIFT), ...op.f64x2Splat, ...set(S_SPLAT),
    ...op.f64Const(0), ...set(S_TOTAL),
    ...pairsEnd(S_PTR, S_COUNT, S_END),
    ...pairLoop(S_PTR, S_END, [
      ...get(S_PTR), ...op.v128Load(0), ...get(S_SPLAT), ...op.f64x2Sub, ...set(S_EXP.x),
      ...expLanes(S_EXP, S_CONSTANTS), ...set(S_E),
      ...get(S_STORE), ...op.if, ...get(S_PTR), ...get(S_E), ...op.v128Store(0), ...op.end,
      ...addLane(0), ...addLane(1),
    ]),
    ...get(S_COUNT), ...int(1), ...op.i32And, ...op.if,
    ...get(S_PTR), ...op.v128Load64Splat(0), ...get(S_SPLAT), ...op.f64x2Sub, ...set(S_EXP.x),
    ...expLanes(S_EXP, S_CONSTANTS), ...set(S_E),
    ...get(S_STORE), ...op.if, ...get(S_PTR), ...get(S_E), ...op.f64x2ExtractLane(0), ...op.f64Store(0), ...op.end,
    ...addLane(0),
    ...op.end,
    ...get(S_TOTAL),
];

const expShifted: WasmFunction = {
  name: 'expShifted',
  params: [I32, I32, F64, I32],
  results: [F64],
  locals: [[1, I32], [1, F64], [2 + EXP_LOCAL_COUNT + S_CONSTANTS.count, V128]],
  body: [...S_CONSTANTS.init(), ...expShiftedLoops],
};

/** The kernels, called with byte offsets into the memory. */
export interface ElementwiseKernels {
  gelu(ptr: number, count: number): void;
  expShifted(ptr: number, count: number, shift: number, store: number): number;
}

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(buildModule([gelu, expShifted])) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The kernels bound to a memory, or null without WebAssembly SIMD (callers keep the scalar code). */
export function instantiateElementwise(memory: WasmMemory): ElementwiseKernels | null {
  const module = kernelModule();
  if (module === null || !wasmApi) return null;
  const { exports } = new wasmApi.Instance(module, { env: { memory } });
  return { gelu: exports['gelu'] as ElementwiseKernels['gelu'], expShifted: exports['expShifted'] as ElementwiseKernels['expShifted'] };
}
