/**
 * GELU (GPT-2's tanh form) forward and backward as WebAssembly SIMD kernels, four floats at a
 * time. tanh is the rational approximation Eigen and XLA use for float32 (odd degree-13 numerator,
 * even degree-6 denominator, argument clamped to ±7.905 where tanh is 1 in float32); its largest
 * error against Math.tanh is 3.6e-7 (the tests measure it). The forward pass keeps tanh(u) for the
 * backward pass, which is then arithmetic only:
 *
 *   u = √(2/π)·(x + 0.044715·x³),  t = tanh(u),  y = 0.5·x·(1 + t)
 *   dy/dx = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import type { ConstantTable } from './kernel-constants.ts';
import { loadConstants } from './kernel-constants.ts';
import { multiplyAdd, simd32 } from './wasm-simd.ts';

const GELU_SCALE = Math.sqrt(2 / Math.PI);
const CUBE = 0.044715;
const CLAMP = 7.90531110763549805;
const NUMERATOR = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8,
  -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16,
];
const DENOMINATOR = [4.89352518554385e-3, 2.26843463243900e-3, 1.18534705686654e-4, 1.19825839466702e-6];

const { localGet: get, localSet: set, localTee: tee } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

/** The float tanh approximation, for the tests. */
export function rationalTanh(u: number): number {
  const f = Math.fround;
  const x = Math.max(-CLAMP, Math.min(CLAMP, u));
  const x2 = f(x * x);
  let p = NUMERATOR[6]!;
  for (let i = 5; i >= 0; i--) p = f(f(p * x2) + f(NUMERATOR[i]!));
  let q = DENOMINATOR[3]!;
  for (let i = 2; i >= 0; i--) q = f(f(q * x2) + f(DENOMINATOR[i]!));
  return f(f(p * x) / q);
}

/**
 * A loop over `count` floats (a multiple of 4, at least 4) advancing the pointer params by 16
 * bytes a step; `step` is the body for one vector.
 */
function vectorLoop(count: number, pointers: readonly number[], end: number, step: Code): Code {
  return [
    ...get(pointers[0]!), ...get(count), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...set(end),
    ...op.loop,
    ...step,
    ...pointers.flatMap((p) => [...get(p), ...op.i32Const(16), ...op.i32Add, ...set(p)]),
    ...get(pointers[0]!), ...get(end), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ];
}

/** The v128 locals, from `first` on, that hold the constants a kernel loads before its loop. */
function constantLocals(first: number, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.map((name, i) => [name, first + i]));
}

// geluForward(out, tanhOut, x, count)
const F_OUT = 0;
const F_T = 1;
const F_X = 2;
const F_COUNT = 3;
const F_END = 4;
const F_XV = 5;
const F_U = 6;
const F_U2 = 7;
const F_TV = 8;
const F_HALF_X = 9;
const FORWARD_CONSTANTS = ['cube', 'scale', 'low', 'high', 'half', ...NUMERATOR.map((_, i) => `p${i}`), ...DENOMINATOR.map((_, i) => `q${i}`)];
const FC = constantLocals(10, FORWARD_CONSTANTS);

/** Horner's rule in u² for the coefficients held in locals `prefix`0, 1, …, leaving the value on the stack. */
function horner(fused: boolean, count: number, prefix: string): Code {
  const code: number[] = [...get(FC[`${prefix}${count - 1}`]!)];
  for (let i = count - 2; i >= 0; i--) code.push(...multiplyAdd(fused, get(F_U2), get(FC[`${prefix}${i}`]!)));
  return code;
}

function forwardStep(fused: boolean): Code {
  return [
    ...get(F_X), ...simd32.v128Load(0), ...tee(F_XV),
    // u = √(2/π)·(x + c·x³), clamped to ±CLAMP
    ...get(F_XV), ...mul, ...get(F_XV), ...mul, ...multiplyAdd(fused, get(FC['cube']!), get(F_XV)),
    ...get(FC['scale']!), ...mul,
    ...get(FC['low']!), ...simd32.f32x4Pmax, ...get(FC['high']!), ...simd32.f32x4Pmin, ...tee(F_U),
    ...get(F_U), ...mul, ...set(F_U2),
    ...horner(fused, NUMERATOR.length, 'p'), ...get(F_U), ...mul,
    ...horner(fused, DENOMINATOR.length, 'q'), ...simd32.f32x4Div, ...set(F_TV),
    ...get(F_T), ...get(F_TV), ...simd32.v128Store(0),
    // y = 0.5·x·(1 + t) = 0.5·x·t + 0.5·x
    ...get(F_OUT),
    ...get(F_XV), ...get(FC['half']!), ...mul, ...tee(F_HALF_X), ...get(F_TV), ...mul, ...get(F_HALF_X), ...add,
    ...simd32.v128Store(0),
  ];
}

export function geluForwardFunction(fused: boolean, constants: ConstantTable): WasmFunction {
  return {
    name: 'geluForward',
    params: [I32, I32, I32, I32],
    locals: [[1, I32], [5 + FORWARD_CONSTANTS.length, V128]],
    body: [
      ...loadConstants([
        [FC['cube']!, constants.f32(CUBE)], [FC['scale']!, constants.f32(GELU_SCALE)],
        [FC['low']!, constants.f32(-CLAMP)], [FC['high']!, constants.f32(CLAMP)], [FC['half']!, constants.f32(0.5)],
        ...NUMERATOR.map((c, i) => [FC[`p${i}`]!, constants.f32(c)] as const),
        ...DENOMINATOR.map((c, i) => [FC[`q${i}`]!, constants.f32(c)] as const),
      ]),
      ...vectorLoop(F_COUNT, [F_OUT, F_T, F_X], F_END, forwardStep(fused)),
    ],
  };
}

// geluBackward(dx, x, t, dout, count)
const B_DX = 0;
const B_X = 1;
const B_T = 2;
const B_DOUT = 3;
const B_COUNT = 4;
const B_END = 5;
const B_XV = 6;
const B_TV = 7;
const BC = constantLocals(8, ['half', 'one', 'slope', 'cube3']);

const backwardStep: Code = [
  ...get(B_X), ...simd32.v128Load(0), ...set(B_XV),
  ...get(B_T), ...simd32.v128Load(0), ...set(B_TV),
  ...get(B_DX),
  // 0.5·(1 + t)
  ...get(B_TV), ...get(BC['one']!), ...add, ...get(BC['half']!), ...mul,
  // + 0.5·x·(1 − t²)·√(2/π)·(1 + 3c·x²)
  ...get(B_XV), ...get(BC['half']!), ...mul,
  ...get(BC['one']!), ...get(B_TV), ...get(B_TV), ...mul, ...sub, ...mul,
  ...get(B_XV), ...get(B_XV), ...mul, ...get(BC['cube3']!), ...mul, ...get(BC['one']!), ...add,
  ...get(BC['slope']!), ...mul, ...mul,
  ...add,
  ...get(B_DOUT), ...simd32.v128Load(0), ...mul,
  ...simd32.v128Store(0),
];

export function geluBackwardFunction(constants: ConstantTable): WasmFunction {
  return {
    name: 'geluBackward',
    params: [I32, I32, I32, I32, I32],
    locals: [[1, I32], [6, V128]],
    body: [
      ...loadConstants([
        [BC['half']!, constants.f32(0.5)], [BC['one']!, constants.f32(1)],
        [BC['slope']!, constants.f32(GELU_SCALE)], [BC['cube3']!, constants.f32(3 * CUBE)],
      ]),
      ...vectorLoop(B_COUNT, [B_DX, B_X, B_T, B_DOUT], B_END, backwardStep),
    ],
  };
}

export type GeluForward = (out: number, tanhOut: number, x: number, count: number) => void;
export type GeluBackward = (dx: number, x: number, t: number, dout: number, count: number) => void;
