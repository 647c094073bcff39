/**
 * The evaluator's exponentials in WebAssembly SIMD, four float32 lanes at a time: GELU over the
 * MLP's hidden layer (mlp.ts) and the shifted exponentials of softmax and cross-entropy
 * (softmax.ts). About a thousand exponentials per token make them the largest cost after the
 * matrix products. The loops take sixteen values a turn, four registers whose exp32 sequences are
 * interleaved (exp32-lanes.ts), then the rest by eight, by four and one value at a time. Every
 * lane performs the scalar code's float32 operations on its value, in its order, and softmax's
 * sum is softmax.ts's (four float64 partial sums by index mod 4, then the tail), so the bits are
 * those of mlp.ts and softmax.ts; the tests check it on random arrays and on the special values.
 */
import type { Code, WasmFunction, WasmMemory } from './wasm-builder.ts';
import type { Exp32Locals } from './exp32-lanes.ts';
import { F32, F64, I32, V128, buildModule, op, wasmApi } from './wasm-builder.ts';
import { ConstantLocals, EXP32_LOCAL_COUNT, exp32Lanes, exp32Locals, interleave } from './exp32-lanes.ts';
import { GELU_CUBIC, SQRT_2_OVER_PI } from './mlp.ts';
import { layerNormFunction, maxOfFunction } from './layernorm-kernel.ts';

const { localGet: get, localSet: set, i32Const: int } = op;

/** Registers in the main loops' groups: 4·GROUP values a turn. */
const GROUP = 4;
/** The smaller groups after the main loop: GROUP/2, …, 1 registers. */
const GROUP_SIZES = Array.from({ length: Math.log2(GROUP) }, (_, i) => GROUP >> (i + 1));

/**
 * One function's loops: `group(n)` handles n registers (4n values) at PTR and `single` one value
 * at PTR; PTR advances past each. `beforeSingles` runs between the whole registers and the last
 * count mod 4 values.
 */
function groupLoops(ptr: number, count: number, end: number, group: (n: number) => Code, single: Code, beforeSingles: Code = []): Code {
  const advance = (bytes: number): Code => [...get(ptr), ...int(bytes), ...op.i32Add, ...set(ptr)];
  return [
    // END = PTR + 4·(COUNT rounded down to a multiple of 4·GROUP).
    ...get(ptr), ...get(count), ...int(-4 * GROUP), ...op.i32And, ...int(2), ...op.i32Shl, ...op.i32Add, ...set(end),
    ...op.block, ...op.loop,
    ...get(ptr), ...get(end), ...op.i32GeU, ...op.brIf(1),
    ...group(GROUP), ...advance(16 * GROUP),
    ...op.br(0),
    ...op.end, ...op.end,
    ...GROUP_SIZES.flatMap((n) => [...get(count), ...int(4 * n), ...op.i32And, ...op.if, ...group(n), ...advance(16 * n), ...op.end]),
    ...beforeSingles,
    ...get(count), ...int(2), ...op.i32And, ...op.if, ...single, ...advance(4), ...single, ...advance(4), ...op.end,
    ...get(count), ...int(1), ...op.i32And, ...op.if, ...single, ...op.end,
  ];
}

/** A register's value and its exponential's locals. */
interface Slot {
  readonly v: number;
  readonly exp: Exp32Locals;
}

/** GROUP slots from local `first` on, each 1 + EXP32_LOCAL_COUNT locals. */
const slots = (first: number): Slot[] =>
  Array.from({ length: GROUP }, (_, i) => ({ v: first + i * (1 + EXP32_LOCAL_COUNT), exp: exp32Locals(first + i * (1 + EXP32_LOCAL_COUNT) + 1) }));

// gelu(ptr, count): values[i] = gelu(values[i]) for i < count.
const G_PTR = 0;
const G_COUNT = 1;
const G_END = 2;
const G_SLOTS = slots(3);
const G_CONSTANTS = new ConstantLocals(3 + GROUP * (1 + EXP32_LOCAL_COUNT));

/** The exp argument −2·(c·(x + ((0.044715·x)·x)·x)) of slot's v into its exp.x, as mlp.ts's gelu. */
const geluArgument = ({ v, exp }: Slot): Code => {
  const c = (value: number): Code => G_CONSTANTS.f32(value);
  return [
    ...c(-2), ...c(SQRT_2_OVER_PI),
    ...get(v), ...c(GELU_CUBIC), ...get(v), ...op.f32x4Mul, ...get(v), ...op.f32x4Mul, ...get(v), ...op.f32x4Mul,
    ...op.f32x4Add, ...op.f32x4Mul, ...op.f32x4Mul, ...set(exp.x),
  ];
};

/** Pushes x / (1 + e) for slot's v and its exponential e. */
const geluResult = ({ v, exp }: Slot): Code => [...get(v), ...G_CONSTANTS.f32(1), ...get(exp.y), ...op.f32x4Add, ...op.f32x4Div];

/** gelu of n registers at PTR, stored back. */
const geluGroup = (n: number): Code => {
  const group = G_SLOTS.slice(0, n);
  return [
    ...group.flatMap((slot, i) => [...get(G_PTR), ...op.v128Load(16 * i), ...set(slot.v)]),
    ...interleave(group.map((slot) => [geluArgument(slot)])),
    ...exp32Lanes(group.map((slot) => slot.exp), G_CONSTANTS),
    ...group.flatMap((slot, i) => [...get(G_PTR), ...geluResult(slot), ...op.v128Store(16 * i)]),
  ];
};

/** The value at PTR in every lane; lane 0 is stored. */
const geluSingle: Code = [
  ...get(G_PTR), ...op.v128Load32Splat(0), ...set(G_SLOTS[0]!.v),
  ...geluArgument(G_SLOTS[0]!),
  ...exp32Lanes([G_SLOTS[0]!.exp], G_CONSTANTS),
  ...get(G_PTR), ...geluResult(G_SLOTS[0]!), ...op.f32x4ExtractLane(0), ...op.f32Store(0),
];

const gelu: WasmFunction = {
  name: 'gelu',
  params: [I32, I32],
  locals: [[1, I32], [GROUP * (1 + EXP32_LOCAL_COUNT) + G_CONSTANTS.count, V128]],
  body: [...G_CONSTANTS.init(), ...groupLoops(G_PTR, G_COUNT, G_END, geluGroup, geluSingle)],
};

// expShifted(ptr, count, shift, store) → softmax.ts's sum of e_i = exp32(values[i] − shift);
// with store ≠ 0, values[i] = e_i.
const S_PTR = 0;
const S_COUNT = 1;
const S_SHIFT = 2;
const S_STORE = 3;
const S_END = 4;
const S_TOTAL = 5;
const S_SPLAT = 6;
/** Partial sums s0, s1 (lanes of S_LOW) and s2, s3 (S_HIGH), float64. */
const S_LOW = 7;
const S_HIGH = 8;
const S_EXPS = Array.from({ length: GROUP }, (_, i) => exp32Locals(9 + i * EXP32_LOCAL_COUNT));
const S_CONSTANTS = new ConstantLocals(9 + GROUP * EXP32_LOCAL_COUNT);

/** s0, s1 += lanes 0, 1 of y and s2, s3 += lanes 2, 3, widened to float64. */
const addPartials = (exp: Exp32Locals): Code => [
  ...get(S_LOW), ...get(exp.y), ...op.f64x2PromoteLowF32x4, ...op.f64x2Add, ...set(S_LOW),
  ...get(S_HIGH), ...get(exp.y), ...get(exp.y), ...op.f32x4HighToLow, ...op.f64x2PromoteLowF32x4, ...op.f64x2Add, ...set(S_HIGH),
];

/** exp of n registers at PTR less the shift, stored back if STORE, added to the partial sums. */
const expGroup = (n: number): Code => {
  const group = S_EXPS.slice(0, n);
  return [
    ...group.flatMap((exp, i) => [...get(S_PTR), ...op.v128Load(16 * i), ...get(S_SPLAT), ...op.f32x4Sub, ...set(exp.x)]),
    ...exp32Lanes(group, S_CONSTANTS),
    ...get(S_STORE), ...op.if,
    ...group.flatMap((exp, i) => [...get(S_PTR), ...get(exp.y), ...op.v128Store(16 * i)]),
    ...op.end,
    ...group.flatMap(addPartials),
  ];
};

/** TOTAL = (s0 + s1) + (s2 + s3). */
const combinePartials: Code = [
  ...get(S_LOW), ...op.f64x2ExtractLane(0), ...get(S_LOW), ...op.f64x2ExtractLane(1), ...op.f64Add,
  ...get(S_HIGH), ...op.f64x2ExtractLane(0), ...get(S_HIGH), ...op.f64x2ExtractLane(1), ...op.f64Add,
  ...op.f64Add, ...set(S_TOTAL),
];

/** The value at PTR in every lane; lane 0 is stored and added to TOTAL. */
const expSingle: Code = [
  ...get(S_PTR), ...op.v128Load32Splat(0), ...get(S_SPLAT), ...op.f32x4Sub, ...set(S_EXPS[0]!.x),
  ...exp32Lanes([S_EXPS[0]!], S_CONSTANTS),
  ...get(S_STORE), ...op.if, ...get(S_PTR), ...get(S_EXPS[0]!.y), ...op.f32x4ExtractLane(0), ...op.f32Store(0), ...op.end,
  ...get(S_TOTAL), ...get(S_EXPS[0]!.y), ...op.f32x4ExtractLane(0), ...op.f64PromoteF32, ...op.f64Add, ...set(S_TOTAL),
];

export const expShifted: WasmFunction = {
  name: 'expShifted',
  params: [I32, I32, F32, I32],
  results: [F64],
  locals: [[1, I32], [1, F64], [3 + GROUP * EXP32_LOCAL_COUNT + S_CONSTANTS.count, V128]],
  body: [
    ...S_CONSTANTS.init(),
    ...get(S_SHIFT), ...op.f32x4Splat, ...set(S_SPLAT),
    ...op.f64x2Const(0), ...set(S_LOW),
    ...op.f64x2Const(0), ...set(S_HIGH),
    ...groupLoops(S_PTR, S_COUNT, S_END, expGroup, expSingle, combinePartials),
    ...get(S_TOTAL),
  ],
};

/** The kernels, called with byte offsets into the memory. */
export interface ElementwiseKernels {
  gelu(ptr: number, count: number): void;
  expShifted(ptr: number, count: number, shift: number, store: number): number;
  layerNorm(out: number, x: number, rows: number, d: number, gain: number, bias: number): void;
  maxOf(ptr: number, count: number): number;
}

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(buildModule([gelu, expShifted, layerNormFunction, maxOfFunction])) : null;
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
  return {
    gelu: exports['gelu'] as ElementwiseKernels['gelu'],
    expShifted: exports['expShifted'] as ElementwiseKernels['expShifted'],
    layerNorm: exports['layerNorm'] as ElementwiseKernels['layerNorm'],
    maxOf: exports['maxOf'] as ElementwiseKernels['maxOf'],
  };
}
