/**
 * The evaluator's exponentials in WebAssembly SIMD, two float64 lanes at a time: GELU over the
 * MLP's hidden layer (mlp.ts) and the shifted exponentials of softmax and cross-entropy
 * (softmax.ts). About a thousand exp per token make them the largest cost after the matrix
 * products; V8's code for the scalar exp branches per value and mispredicts often, where the
 * lanes run one straight sequence (exp-lanes.ts). The loops take eight values at a time, four
 * registers whose exp sequences are interleaved: one exp is a chain of dependent operations too
 * long for the processor's out-of-order window to overlap two of, and side by side they run
 * 1.7 times as fast (see GROUP). Every lane performs the scalar code's
 * operations on its value, in its order, and the sums of the softmax are added one value at a
 * time in index order, so the bits are those of mlp.ts and softmax.ts; the tests check it on
 * random arrays and on the special values.
 */
import type { Code, WasmFunction, WasmMemory } from './wasm-builder.ts';
import type { ExpLocals } from './exp-lanes.ts';
import { F64, I32, V128, buildModule, op, wasmApi } from './wasm-builder.ts';
import { ConstantLocals, EXP_LOCAL_COUNT, expLanes, expLocals, interleave } from './exp-lanes.ts';
import { GELU_CUBIC, SQRT_2_OVER_PI } from './mlp.ts';

const { localGet: get, localSet: set, i32Const: int } = op;

/**
 * Registers in the main loops' groups: GROUP·2 values a turn, then the rest in ascending order
 * by groups of GROUP/2, …, 1 registers and an odd last value (a power of two, so COUNT's low bits
 * say which run). On the development machine a GELU value took 8.5 ns one register at a time,
 * 6.5 ns two, 4.5-5 ns four.
 */
const GROUP = 4;
/** GROUP/2, GROUP/4, …, 1. */
const GROUP_SIZES = Array.from({ length: Math.log2(GROUP) }, (_, i) => GROUP >> (i + 1));

/**
 * The code of one function's loops: `group(n)` handles n registers (2n values) at PTR and
 * `single` one value at PTR; PTR advances past each.
 */
function groupLoops(ptr: number, count: number, end: number, group: (n: number) => Code, single: Code): Code {
  const advance = (bytes: number): Code => [...get(ptr), ...int(bytes), ...op.i32Add, ...set(ptr)];
  return [
    // END = PTR + 8·(COUNT rounded down to a multiple of 2·GROUP).
    ...get(ptr), ...get(count), ...int(-2 * GROUP), ...op.i32And, ...int(3), ...op.i32Shl, ...op.i32Add, ...set(end),
    ...op.block, ...op.loop,
    ...get(ptr), ...get(end), ...op.i32GeU, ...op.brIf(1),
    ...group(GROUP), ...advance(16 * GROUP),
    ...op.br(0),
    ...op.end, ...op.end,
    ...GROUP_SIZES.flatMap((n) => [
      ...get(count), ...int(2 * n), ...op.i32And, ...op.if, ...group(n), ...advance(16 * n), ...op.end,
    ]),
    ...get(count), ...int(1), ...op.i32And, ...op.if, ...single, ...op.end,
  ];
}

/** A register's value and its exp's locals. */
interface Slot {
  readonly v: number;
  readonly exp: ExpLocals;
}

/** GROUP slots from local `first` on, each 1 + EXP_LOCAL_COUNT locals. */
const slots = (first: number): Slot[] =>
  Array.from({ length: GROUP }, (_, i) => ({ v: first + i * (1 + EXP_LOCAL_COUNT), exp: expLocals(first + i * (1 + EXP_LOCAL_COUNT) + 1) }));

// gelu(ptr, count): values[i] = gelu(values[i]) for i < count.
const G_PTR = 0;
const G_COUNT = 1;
const G_END = 2;
const G_SLOTS = slots(3);
const G_CONSTANTS = new ConstantLocals(3 + GROUP * (1 + EXP_LOCAL_COUNT));

/** The exp argument −2·(c·(x + ((0.044715·x)·x)·x)) of slot's v into its exp.x, as mlp.ts's gelu. */
const geluArgument = ({ v, exp }: Slot): Code => {
  const splat = (value: number): Code => G_CONSTANTS.get(value);
  return [
    ...splat(-2), ...splat(SQRT_2_OVER_PI),
    ...get(v), ...splat(GELU_CUBIC), ...get(v), ...op.f64x2Mul, ...get(v), ...op.f64x2Mul, ...get(v), ...op.f64x2Mul,
    ...op.f64x2Add, ...op.f64x2Mul, ...op.f64x2Mul, ...set(exp.x),
  ];
};

/** Pushes x / (1 + e) for slot's v and its exp's result e. */
const geluResult = ({ v, exp }: Slot): Code => [...get(v), ...G_CONSTANTS.get(1), ...get(exp.y), ...op.f64x2Add, ...op.f64x2Div];

/** gelu of n registers at PTR, stored back. */
const geluGroup = (n: number): Code => {
  const group = G_SLOTS.slice(0, n);
  return [
    ...group.flatMap((slot, i) => [...get(G_PTR), ...op.v128Load(16 * i), ...set(slot.v)]),
    ...interleave(group.map((slot) => [geluArgument(slot)])),
    ...expLanes(group.map((slot) => slot.exp), G_CONSTANTS),
    ...group.flatMap((slot, i) => [...get(G_PTR), ...geluResult(slot), ...op.v128Store(16 * i)]),
  ];
};

/** The value at PTR in both lanes; lane 0 is stored. */
const geluSingle: Code = [
  ...get(G_PTR), ...op.v128Load64Splat(0), ...set(G_SLOTS[0]!.v),
  ...geluArgument(G_SLOTS[0]!),
  ...expLanes([G_SLOTS[0]!.exp], G_CONSTANTS),
  ...get(G_PTR), ...geluResult(G_SLOTS[0]!), ...op.f64x2ExtractLane(0), ...op.f64Store(0),
];

const geluLoops: Code = groupLoops(G_PTR, G_COUNT, G_END, geluGroup, geluSingle);

const gelu: WasmFunction = {
  name: 'gelu',
  params: [I32, I32],
  locals: [[1, I32], [GROUP * (1 + EXP_LOCAL_COUNT) + G_CONSTANTS.count, V128]],
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
const S_EXPS = Array.from({ length: GROUP }, (_, i) => expLocals(7 + i * EXP_LOCAL_COUNT));
const S_CONSTANTS = new ConstantLocals(7 + GROUP * EXP_LOCAL_COUNT);

const addLane = (exp: ExpLocals, lane: 0 | 1): Code => [
  ...get(S_TOTAL), ...get(exp.y), ...op.f64x2ExtractLane(lane), ...op.f64Add, ...set(S_TOTAL),
];

/** exp of n registers at PTR less the shift, stored back if STORE, added to TOTAL in order. */
const expGroup = (n: number): Code => {
  const group = S_EXPS.slice(0, n);
  return [
    ...group.flatMap((exp, i) => [...get(S_PTR), ...op.v128Load(16 * i), ...get(S_SPLAT), ...op.f64x2Sub, ...set(exp.x)]),
    ...expLanes(group, S_CONSTANTS),
    ...get(S_STORE), ...op.if,
    ...group.flatMap((exp, i) => [...get(S_PTR), ...get(exp.y), ...op.v128Store(16 * i)]),
    ...op.end,
    ...group.flatMap((exp) => [...addLane(exp, 0), ...addLane(exp, 1)]),
  ];
};

/** The value at PTR in both lanes; lane 0 is stored and added. */
const expSingle: Code = [
  ...get(S_PTR), ...op.v128Load64Splat(0), ...get(S_SPLAT), ...op.f64x2Sub, ...set(S_EXPS[0]!.x),
  ...expLanes([S_EXPS[0]!], S_CONSTANTS),
  ...get(S_STORE), ...op.if, ...get(S_PTR), ...get(S_EXPS[0]!.y), ...op.f64x2ExtractLane(0), ...op.f64Store(0), ...op.end,
  ...addLane(S_EXPS[0]!, 0),
];

const expShiftedLoops: Code = [
  ...get(S_SHIFT), ...op.f64x2Splat, ...set(S_SPLAT),
  ...op.f64Const(0), ...set(S_TOTAL),
  ...groupLoops(S_PTR, S_COUNT, S_END, expGroup, expSingle),
  ...get(S_TOTAL),
];

const expShifted: WasmFunction = {
  name: 'expShifted',
  params: [I32, I32, F64, I32],
  results: [F64],
  locals: [[1, I32], [1, F64], [1 + GROUP * EXP_LOCAL_COUNT + S_CONSTANTS.count, V128]],
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
