/**
 * The evaluator's exponentials in WebAssembly SIMD, two float64 lanes at a time: GELU over the
 * MLP's hidden layer (mlp.ts) and the shifted exponentials of softmax and cross-entropy
 * (softmax.ts). About a thousand exp per token make them the largest cost after the matrix
 * products; V8's code for the scalar exp branches per value and mispredicts often, where the
 * lanes run one straight sequence (exp-lanes.ts). The loops take four values at a time, two
 * registers whose exp sequences are interleaved: one exp is a chain of dependent operations too
 * long for the processor's out-of-order window to overlap two of, and side by side they run
 * 1.3 times as fast (GELU 8.5 → 6.5 ns a value). Every lane performs the scalar code's
 * operations on its value, in its order, and the sums of the softmax are added one value at a
 * time in index order, so the bits are those of mlp.ts and softmax.ts; the tests check it on
 * random arrays and on the special values.
 */
import type { Code, WasmFunction, WasmMemory } from './wasm-builder.ts';
import type { ExpLocals } from './exp-lanes.ts';
import { F64, I32, V128, buildModule, op, wasmApi } from './wasm-builder.ts';
import { ConstantLocals, EXP_LOCAL_COUNT, expLanes, expLocals, expPairLanes, interleave } from './exp-lanes.ts';
import { GELU_CUBIC, SQRT_2_OVER_PI } from './mlp.ts';

const { localGet: get, localSet: set, i32Const: int } = op;

/** END = PTR + 8·(COUNT rounded down to a multiple of 4): where the four-value loop stops. */
const quadsEnd = (ptr: number, count: number, end: number): Code => [
  ...get(ptr), ...get(count), ...int(-4), ...op.i32And, ...int(3), ...op.i32Shl, ...op.i32Add, ...set(end),
];

/** for (; PTR < END; PTR += 32) body */
const quadLoop = (ptr: number, end: number, body: Code): Code => [
  ...op.block, ...op.loop,
  ...get(ptr), ...get(end), ...op.i32GeU, ...op.brIf(1),
  ...body,
  ...get(ptr), ...int(32), ...op.i32Add, ...set(ptr),
  ...op.br(0),
  ...op.end, ...op.end,
];

// gelu(ptr, count): values[i] = gelu(values[i]) for i < count. Four values at a time, two
// registers whose exp sequences are interleaved (expPairLanes), then a pair, then an odd last one.
const G_PTR = 0;
const G_COUNT = 1;
const G_END = 2;
const G_V = 3;
const G_EXP = expLocals(4);
const G_V2 = 4 + EXP_LOCAL_COUNT;
const G_EXP2 = expLocals(5 + EXP_LOCAL_COUNT);
const G_CONSTANTS = new ConstantLocals(5 + 2 * EXP_LOCAL_COUNT);

/** Sets the exp argument −2·(c·(x + ((0.044715·x)·x)·x)) of local v, as mlp.ts's gelu. */
const geluArgument = (v: number, exp: ExpLocals): Code => {
  const splat = (value: number): Code => G_CONSTANTS.get(value);
  return [
    ...splat(-2), ...splat(SQRT_2_OVER_PI),
    ...get(v), ...splat(GELU_CUBIC), ...get(v), ...op.f64x2Mul, ...get(v), ...op.f64x2Mul, ...get(v), ...op.f64x2Mul,
    ...op.f64x2Add, ...op.f64x2Mul, ...op.f64x2Mul, ...set(exp.x),
  ];
};

/** Pushes x / (1 + e) for local v and its exp's result e. */
const geluResult = (v: number, exp: ExpLocals): Code => [...get(v), ...G_CONSTANTS.get(1), ...get(exp.y), ...op.f64x2Add, ...op.f64x2Div];

/** gelu of both lanes of local V, left on the stack. */
const geluLanes: Code = [...geluArgument(G_V, G_EXP), ...expLanes(G_EXP, G_CONSTANTS), ...geluResult(G_V, G_EXP)];

const geluLoops: Code = [
    ...quadsEnd(G_PTR, G_COUNT, G_END),
    ...quadLoop(G_PTR, G_END, [
      ...get(G_PTR), ...op.v128Load(0), ...set(G_V),
      ...get(G_PTR), ...op.v128Load(16), ...set(G_V2),
      ...interleave([geluArgument(G_V, G_EXP)], [geluArgument(G_V2, G_EXP2)]),
      ...expPairLanes(G_EXP, G_EXP2, G_CONSTANTS),
      ...get(G_PTR), ...geluResult(G_V, G_EXP), ...op.v128Store(0),
      ...get(G_PTR), ...geluResult(G_V2, G_EXP2), ...op.v128Store(16),
    ]),
    // A last pair.
    ...get(G_COUNT), ...int(2), ...op.i32And, ...op.if,
    ...get(G_PTR),
    ...get(G_PTR), ...op.v128Load(0), ...set(G_V),
    ...geluLanes,
    ...op.v128Store(0),
    ...get(G_PTR), ...int(16), ...op.i32Add, ...set(G_PTR),
    ...op.end,
    // An odd last value: both lanes compute it, lane 0 is stored.
    ...get(G_COUNT), ...int(1), ...op.i32And, ...op.if,
    ...get(G_PTR),
    ...get(G_PTR), ...op.v128Load64Splat(0), ...set(G_V),
    ...geluLanes,
    ...op.f64x2ExtractLane(0), ...op.f64Store(0),
    ...op.end,
];

const gelu: WasmFunction = {
  name: 'gelu',
  params: [I32, I32],
  locals: [[1, I32], [2 + 2 * EXP_LOCAL_COUNT + G_CONSTANTS.count, V128]],
  body: [...G_CONSTANTS.init(), ...geluLoops],
};

// expShifted(ptr, count, shift, store) → Σ e_i from 0, e_i = exp(values[i] − shift), in i order;
// with store ≠ 0, values[i] = e_i. Four values at a time as in gelu, then a pair, then one.
const S_PTR = 0;
const S_COUNT = 1;
const S_SHIFT = 2;
const S_STORE = 3;
const S_END = 4;
const S_TOTAL = 5;
const S_SPLAT = 6;
const S_EXP = expLocals(7);
const S_EXP2 = expLocals(7 + EXP_LOCAL_COUNT);
const S_CONSTANTS = new ConstantLocals(7 + 2 * EXP_LOCAL_COUNT);

const addLane = (exp: ExpLocals, lane: 0 | 1): Code => [
  ...get(S_TOTAL), ...get(exp.y), ...op.f64x2ExtractLane(lane), ...op.f64Add, ...set(S_TOTAL),
];

const expShiftedLoops: Code = [
    ...get(S_SHIFT), ...op.f64x2Splat, ...set(S_SPLAT),
    ...op.f64Const(0), ...set(S_TOTAL),
    ...quadsEnd(S_PTR, S_COUNT, S_END),
    ...quadLoop(S_PTR, S_END, [
      ...get(S_PTR), ...op.v128Load(0), ...get(S_SPLAT), ...op.f64x2Sub, ...set(S_EXP.x),
      ...get(S_PTR), ...op.v128Load(16), ...get(S_SPLAT), ...op.f64x2Sub, ...set(S_EXP2.x),
      ...expPairLanes(S_EXP, S_EXP2, S_CONSTANTS),
      ...get(S_STORE), ...op.if,
      ...get(S_PTR), ...get(S_EXP.y), ...op.v128Store(0),
      ...get(S_PTR), ...get(S_EXP2.y), ...op.v128Store(16),
      ...op.end,
      ...addLane(S_EXP, 0), ...addLane(S_EXP, 1), ...addLane(S_EXP2, 0), ...addLane(S_EXP2, 1),
    ]),
    ...get(S_COUNT), ...int(2), ...op.i32And, ...op.if,
    ...get(S_PTR), ...op.v128Load(0), ...get(S_SPLAT), ...op.f64x2Sub, ...set(S_EXP.x),
    ...expLanes(S_EXP, S_CONSTANTS),
    ...get(S_STORE), ...op.if, ...get(S_PTR), ...get(S_EXP.y), ...op.v128Store(0), ...op.end,
    ...addLane(S_EXP, 0), ...addLane(S_EXP, 1),
    ...get(S_PTR), ...int(16), ...op.i32Add, ...set(S_PTR),
    ...op.end,
    ...get(S_COUNT), ...int(1), ...op.i32And, ...op.if,
    ...get(S_PTR), ...op.v128Load64Splat(0), ...get(S_SPLAT), ...op.f64x2Sub, ...set(S_EXP.x),
    ...expLanes(S_EXP, S_CONSTANTS),
    ...get(S_STORE), ...op.if, ...get(S_PTR), ...get(S_EXP.y), ...op.f64x2ExtractLane(0), ...op.f64Store(0), ...op.end,
    ...addLane(S_EXP, 0),
    ...op.end,
    ...get(S_TOTAL),
];

const expShifted: WasmFunction = {
  name: 'expShifted',
  params: [I32, I32, F64, I32],
  results: [F64],
  locals: [[1, I32], [1, F64], [1 + 2 * EXP_LOCAL_COUNT + S_CONSTANTS.count, V128]],
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
