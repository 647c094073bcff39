/**
 * LayerNorm (layernorm.ts) and the maximum of a row (logits.ts) as WebAssembly SIMD, bit for bit
 * their scalar definitions.
 *
 * layerNorm widens four float32 inputs at a time into two float64 registers: lanes (0, 1) of one
 * and (2, 3) of the other hold the partial sums S₀ … S₃ of layernorm.ts's definition, each added
 * to in index order; the sum is (S₀ + S₁) + (S₂ + S₃), then the last d mod 4 values in order.
 * The squares likewise. Each output is ((x − mean)·rstd)·g + b in float64 lanes, rounded to
 * float32 once.
 *
 * maxOf is the largest value that is not NaN (−∞ if none), as the scalar loop `if (z > max)`
 * finds it: f32x4.pmax never lets a NaN in, and the order in which it folds lanes can only change
 * the sign of a zero maximum, which no use of it can see (logits.ts).
 */
import type { Code, WasmFunction } from './wasm-builder.ts';
import { F32, F64, I32, V128, op } from './wasm-builder.ts';
import { LAYER_NORM_EPS } from './layernorm.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

// layerNorm(out, x, rows, d, gain, bias)
const OUT = 0;
const X = 1;
const ROWS = 2;
const D = 3;
const GAIN = 4;
const BIAS = 5;
// i32 locals
const R = 6;
const I = 7;
const WHOLE = 8; // d rounded down to a multiple of 4
const XP = 9; // this row's x
const OP = 10; // this row's out
// f64 locals
const SUM = 11;
const MEAN = 12;
const RSTD = 13;
const DF = 14; // d as a float64
const VAL = 15;
// v128 locals
const A01 = 16;
const A23 = 17;
const MEAN2 = 18;
const RSTD2 = 19;
const V4 = 20;
const C = 21;

/** for I = 0, 4, … < WHOLE: body (I counts elements). */
const wholeLoop = (body: Code): Code => [
  ...int(0), ...set(I),
  ...op.block, ...op.loop,
  ...get(I), ...get(WHOLE), ...op.i32GeU, ...op.brIf(1),
  ...body,
  ...get(I), ...int(4), ...op.i32Add, ...set(I),
  ...op.br(0),
  ...op.end, ...op.end,
];

/** for I = WHOLE … D − 1: tail. */
const tailLoop = (tail: Code): Code => [
  ...get(WHOLE), ...set(I),
  ...op.block, ...op.loop,
  ...get(I), ...get(D), ...op.i32GeU, ...op.brIf(1),
  ...tail,
  ...get(I), ...int(1), ...op.i32Add, ...set(I),
  ...op.br(0),
  ...op.end, ...op.end,
];

const overRow = (body: Code, tail: Code): Code => [...wholeLoop(body), ...tailLoop(tail)];

/** Byte address of element I of the array at base. */
const at = (base: number): Code => [...get(base), ...get(I), ...int(2), ...op.i32Shl, ...op.i32Add];

/** Pushes lanes 0, 1 (low) or 2, 3 (high) of local v as float64. */
const widen = (v: number, high: boolean): Code => (high ? [...get(v), ...get(v), ...op.f32x4HighToLow] : get(v)).concat(op.f64x2PromoteLowF32x4);

/** SUM = (S₀ + S₁) + (S₂ + S₃) of the accumulators. */
const combine: Code = [
  ...get(A01), ...op.f64x2ExtractLane(0), ...get(A01), ...op.f64x2ExtractLane(1), ...op.f64Add,
  ...get(A23), ...op.f64x2ExtractLane(0), ...get(A23), ...op.f64x2ExtractLane(1), ...op.f64Add,
  ...op.f64Add, ...set(SUM),
];

const zeroAccumulators: Code = [...op.f64x2Const(0), ...set(A01), ...op.f64x2Const(0), ...set(A23)];

/** One row: XP, OP set. */
const row: Code = [
  // mean
  ...zeroAccumulators,
  ...wholeLoop([
    ...at(XP), ...op.v128Load(0), ...set(V4),
    ...get(A01), ...widen(V4, false), ...op.f64x2Add, ...set(A01),
    ...get(A23), ...widen(V4, true), ...op.f64x2Add, ...set(A23),
  ]),
  ...combine,
  ...tailLoop([...get(SUM), ...at(XP), ...op.f32Load(0), ...op.f64PromoteF32, ...op.f64Add, ...set(SUM)]),
  ...get(SUM), ...get(DF), ...op.f64Div, ...tee(MEAN), ...op.f64x2Splat, ...set(MEAN2),
  // variance: the squares of x − mean
  ...zeroAccumulators,
  ...wholeLoop([
    ...at(XP), ...op.v128Load(0), ...set(V4),
    ...widen(V4, false), ...get(MEAN2), ...op.f64x2Sub, ...set(C),
    ...get(A01), ...get(C), ...get(C), ...op.f64x2Mul, ...op.f64x2Add, ...set(A01),
    ...widen(V4, true), ...get(MEAN2), ...op.f64x2Sub, ...set(C),
    ...get(A23), ...get(C), ...get(C), ...op.f64x2Mul, ...op.f64x2Add, ...set(A23),
  ]),
  ...combine,
  ...tailLoop([
    ...at(XP), ...op.f32Load(0), ...op.f64PromoteF32, ...get(MEAN), ...op.f64Sub, ...set(VAL),
    ...get(SUM), ...get(VAL), ...get(VAL), ...op.f64Mul, ...op.f64Add, ...set(SUM),
  ]),
  ...op.f64Const(1), ...get(SUM), ...get(DF), ...op.f64Div, ...op.f64Const(LAYER_NORM_EPS), ...op.f64Add, ...op.f64Sqrt, ...op.f64Div,
  ...tee(RSTD), ...op.f64x2Splat, ...set(RSTD2),
  // y = ((x − mean)·rstd)·g + b, rounded to float32
  ...overRow(
    [
      ...at(XP), ...op.v128Load(0), ...set(V4),
      ...at(OP),
      ...widen(V4, false), ...get(MEAN2), ...op.f64x2Sub, ...get(RSTD2), ...op.f64x2Mul,
      ...at(GAIN), ...op.v128Load(0), ...set(C), ...widen(C, false), ...op.f64x2Mul,
      ...at(BIAS), ...op.v128Load(0), ...set(C), ...widen(C, false), ...op.f64x2Add,
      ...op.f32x4DemoteF64x2Zero,
      ...widen(V4, true), ...get(MEAN2), ...op.f64x2Sub, ...get(RSTD2), ...op.f64x2Mul,
      ...at(GAIN), ...op.v128Load(0), ...set(C), ...widen(C, true), ...op.f64x2Mul,
      ...at(BIAS), ...op.v128Load(0), ...set(C), ...widen(C, true), ...op.f64x2Add,
      ...op.f32x4DemoteF64x2Zero,
      ...op.f32x4Shuffle([0, 1, 4, 5]),
      ...op.v128Store(0),
    ],
    [
      ...at(OP),
      ...at(XP), ...op.f32Load(0), ...op.f64PromoteF32, ...get(MEAN), ...op.f64Sub, ...get(RSTD), ...op.f64Mul,
      ...at(GAIN), ...op.f32Load(0), ...op.f64PromoteF32, ...op.f64Mul,
      ...at(BIAS), ...op.f32Load(0), ...op.f64PromoteF32, ...op.f64Add,
      ...op.f32DemoteF64, ...op.f32Store(0),
    ],
  ),
];

export const layerNormFunction: WasmFunction = {
  name: 'layerNorm',
  params: [I32, I32, I32, I32, I32, I32],
  locals: [[5, I32], [5, F64], [6, V128]],
  body: [
    ...get(D), ...int(-4), ...op.i32And, ...set(WHOLE),
    ...get(D), ...op.f64ConvertI32U, ...set(DF),
    ...get(X), ...set(XP),
    ...get(OUT), ...set(OP),
    ...int(0), ...set(R),
    ...op.block, ...op.loop,
    ...get(R), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
    ...row,
    ...get(XP), ...get(D), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(XP),
    ...get(OP), ...get(D), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(OP),
    ...get(R), ...int(1), ...op.i32Add, ...set(R),
    ...op.br(0),
    ...op.end, ...op.end,
  ],
};

// maxOf(ptr, count) → f32
const M_PTR = 0;
const M_COUNT = 1;
const M_END = 2;
const M_MAX = 3; // f32
const M_VALUE = 4; // f32
const M_LANES = 5; // v128

export const maxOfFunction: WasmFunction = {
  name: 'maxOf',
  params: [I32, I32],
  results: [F32],
  locals: [[1, I32], [2, F32], [1, V128]],
  body: [
    ...op.f32x4Const(-Infinity), ...set(M_LANES),
    ...get(M_PTR), ...get(M_COUNT), ...int(-4), ...op.i32And, ...int(2), ...op.i32Shl, ...op.i32Add, ...set(M_END),
    ...op.block, ...op.loop,
    ...get(M_PTR), ...get(M_END), ...op.i32GeU, ...op.brIf(1),
    ...get(M_LANES), ...get(M_PTR), ...op.v128Load(0), ...op.f32x4Pmax, ...set(M_LANES),
    ...get(M_PTR), ...int(16), ...op.i32Add, ...set(M_PTR),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(M_LANES), ...get(M_LANES), ...get(M_LANES), ...op.f32x4Shuffle([2, 3, 0, 1]), ...op.f32x4Pmax, ...set(M_LANES),
    ...get(M_LANES), ...get(M_LANES), ...get(M_LANES), ...op.f32x4Shuffle([1, 0, 3, 2]), ...op.f32x4Pmax,
    ...op.f32x4ExtractLane(0), ...set(M_MAX),
    // The last count mod 4 values: max = v > max ? v : max.
    ...get(M_COUNT), ...int(3), ...op.i32And, ...set(M_COUNT),
    ...op.block, ...op.loop,
    ...get(M_COUNT), ...op.i32Eqz, ...op.brIf(1),
    ...get(M_PTR), ...op.f32Load(0), ...tee(M_VALUE), ...get(M_MAX), ...get(M_VALUE), ...get(M_MAX), ...op.f32Gt, ...op.select, ...set(M_MAX),
    ...get(M_PTR), ...int(4), ...op.i32Add, ...set(M_PTR),
    ...get(M_COUNT), ...int(1), ...op.i32Sub, ...set(M_COUNT),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(M_MAX),
  ],
};
