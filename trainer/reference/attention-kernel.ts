/**
 * Attention after a head's dot products, as WebAssembly SIMD (attention.ts's attendRows, bit for
 * bit): for every query row t, the scaled scores and their maximum, the shifted exponentials and
 * their sum (elementwise-kernel.ts's expShifted, called here), the weights p_u = e_u·(1/Z) and the
 * weighted values o_j = Σ_u p_u · v_u,j, all without returning to JavaScript between rows.
 *
 * Scores are taken four keys at a time; lanes past the last key are set to −∞ before the maximum
 * (f32x4.pmax, which like the scalar `s > max` never lets a NaN win), and those lanes' values are
 * written to scratch that nothing reads. The maximum's lanes are folded in another order than the
 * scalar loop's, which can only change the sign of a zero maximum: x − (+0) and x − (−0) differ
 * only for x = −0, where both exponentials are 1, so no bit of the result changes. The weights
 * are computed in float64 lanes (e_u widened exactly, times 1/Z, rounded to float32 once), as the
 * scalar code does. The weighted values take eight output columns at a time in two f32x4
 * registers, each lane one column's sum from +0 in u order with a separate multiply and add.
 */
import type { Code, WasmFunction, WasmMemory } from './wasm-builder.ts';
import { F32, F64, I32, V128, buildModule, op, wasmApi } from './wasm-builder.ts';
import { expShifted } from './elementwise-kernel.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

// weightedValues(out, p, v, keys, vStride, blocks): o_j = Σ_{u < keys} p_u · v_u,j for 8·blocks columns.
const W_OUT = 0; // o_0 of the query
const W_P = 1; // p_0
const W_V = 2; // v_0,0
const W_KEYS = 3; // ≥ 1
const W_V_STRIDE = 4; // bytes from v_u,0 to v_u+1,0
const W_BLOCKS = 5; // blocks of 8 columns
const W_PP = 6;
const W_VP = 7;
const W_P_END = 8;
const W_ACC = [9, 10] as const;
const W_PU = 11;

const weightedValues: WasmFunction = {
  name: 'weightedValues',
  params: [I32, I32, I32, I32, I32, I32],
  locals: [[3, I32], [3, V128]],
  body: [
    ...get(W_P), ...get(W_KEYS), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(W_P_END),
    ...op.block, ...op.loop, // for each block of 8 columns
    ...get(W_BLOCKS), ...op.i32Eqz, ...op.brIf(1),
    ...W_ACC.flatMap((a) => [...op.f32x4Const(0), ...set(a)]),
    ...get(W_P), ...set(W_PP),
    ...get(W_V), ...set(W_VP),
    ...op.block, ...op.loop, // for u ascending
    ...get(W_PP), ...get(W_P_END), ...op.i32GeU, ...op.brIf(1),
    ...get(W_PP), ...op.v128Load32Splat(0), ...set(W_PU),
    ...W_ACC.flatMap((a, i) => [...get(a), ...get(W_PU), ...get(W_VP), ...op.v128Load(16 * i), ...op.f32x4Mul, ...op.f32x4Add, ...set(a)]),
    ...get(W_PP), ...int(4), ...op.i32Add, ...set(W_PP),
    ...get(W_VP), ...get(W_V_STRIDE), ...op.i32Add, ...set(W_VP),
    ...op.br(0),
    ...op.end, ...op.end,
    ...W_ACC.flatMap((a, i) => [...get(W_OUT), ...get(a), ...op.v128Store(16 * i)]),
    ...get(W_OUT), ...int(32), ...op.i32Add, ...set(W_OUT),
    ...get(W_V), ...int(32), ...op.i32Add, ...set(W_V),
    ...get(W_BLOCKS), ...int(1), ...op.i32Sub, ...set(W_BLOCKS),
    ...op.br(0),
    ...op.end, ...op.end,
  ],
};

/** The module's functions, in index order (`call` names them by index). */
const FUNCTIONS = [weightedValues, expShifted] as const;
const CALL_WEIGHTED_VALUES = 0;
const CALL_EXP_SHIFTED = 1;

// attendRows(dots, rows, scale, scores, out, outStride, v, vStride, blocks).
const DOTS = 0; // the head's [rows, rows] dot products, row-major
const ROWS = 1;
const SCALE = 2; // f32
const SCORES = 3; // scratch of at least rows rounded up to 4 floats
const OUT = 4; // o_0,0 of the head
const OUT_STRIDE = 5; // bytes from o_t,0 to o_t+1,0
const V = 6; // v_0,0 of the head
const V_STRIDE = 7;
const BLOCKS = 8; // hd / 8
// i32 locals.
const T = 9;
const KEYS = 10;
const U = 11;
const PTR = 12;
const DOT_PTR = 13;
// f64, f32 locals.
const R = 14; // 1 / Z
const MAX = 15;
// v128 locals.
const M = 16;
const S = 17;
const SC = 18;
const KEYS_SPLAT = 19;
const E = 20;
const R2 = 21;
const IOTA = 22;
const NEG_INF = 23;

/** A loop over u = 0, 4, … < KEYS with PTR at scores[u]; body must leave the stack as found. */
const overKeys = (body: Code, extra: Code = []): Code => [
  ...int(0), ...set(U),
  ...get(SCORES), ...set(PTR),
  ...op.block, ...op.loop,
  ...get(U), ...get(KEYS), ...op.i32GeU, ...op.brIf(1),
  ...body,
  ...get(PTR), ...int(16), ...op.i32Add, ...set(PTR),
  ...extra,
  ...get(U), ...int(4), ...op.i32Add, ...set(U),
  ...op.br(0),
  ...op.end, ...op.end,
];

const attendRows: WasmFunction = {
  name: 'attendRows',
  params: [I32, I32, F32, I32, I32, I32, I32, I32, I32],
  locals: [[5, I32], [1, F64], [1, F32], [8, V128]],
  body: [
    ...get(SCALE), ...op.f32x4Splat, ...set(SC),
    ...op.i32x4Const([0, 1, 2, 3]), ...set(IOTA),
    ...op.f32x4Const(-Infinity), ...set(NEG_INF),
    ...get(DOTS), ...set(DOT_PTR),
    ...int(0), ...set(T),
    ...op.block, ...op.loop, // for t in 0 … ROWS − 1
    ...get(T), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
    ...get(T), ...int(1), ...op.i32Add, ...tee(KEYS), ...op.i32x4Splat, ...set(KEYS_SPLAT),
    // s_u = dot_u · scale, lanes past the last key −∞; stored, and their maximum in M.
    ...get(NEG_INF), ...set(M),
    ...overKeys(
      [
        ...get(DOT_PTR), ...op.v128Load(0), ...get(SC), ...op.f32x4Mul,
        ...get(NEG_INF),
        ...get(IOTA), ...get(U), ...op.i32x4Splat, ...op.i32x4Add, ...get(KEYS_SPLAT), ...op.i32x4LtS,
        ...op.v128Bitselect, ...set(S),
        ...get(PTR), ...get(S), ...op.v128Store(0),
        ...get(M), ...get(S), ...op.f32x4Pmax, ...set(M),
      ],
      [...get(DOT_PTR), ...int(16), ...op.i32Add, ...set(DOT_PTR)],
    ),
    ...get(M), ...get(M), ...get(M), ...op.f32x4Shuffle([2, 3, 0, 1]), ...op.f32x4Pmax, ...set(M),
    ...get(M), ...get(M), ...get(M), ...op.f32x4Shuffle([1, 0, 3, 2]), ...op.f32x4Pmax, ...op.f32x4ExtractLane(0), ...set(MAX),
    // The next row's dots: DOT_PTR moved by KEYS rounded up to 4; the row is ROWS long.
    ...get(DOTS), ...get(KEYS), ...get(ROWS), ...op.i32Mul, ...int(2), ...op.i32Shl, ...op.i32Add, ...set(DOT_PTR),
    // e_u = exp32(s_u − max) in place, and 1/Z.
    ...op.f64Const(1),
    ...get(SCORES), ...get(KEYS), ...get(MAX), ...int(1), ...op.call(CALL_EXP_SHIFTED),
    ...op.f64Div, ...tee(R), ...op.f64x2Splat, ...set(R2),
    // p_u = fround(e_u · (1/Z)), two float64 lanes at a time.
    ...overKeys([
      ...get(PTR), ...op.v128Load(0), ...set(E),
      ...get(PTR),
      ...get(E), ...op.f64x2PromoteLowF32x4, ...get(R2), ...op.f64x2Mul, ...op.f32x4DemoteF64x2Zero,
      ...get(E), ...get(E), ...op.f32x4HighToLow, ...op.f64x2PromoteLowF32x4, ...get(R2), ...op.f64x2Mul, ...op.f32x4DemoteF64x2Zero,
      ...op.f32x4Shuffle([0, 1, 4, 5]),
      ...op.v128Store(0),
    ]),
    ...get(OUT), ...get(SCORES), ...get(V), ...get(KEYS), ...get(V_STRIDE), ...get(BLOCKS), ...op.call(CALL_WEIGHTED_VALUES),
    ...get(OUT), ...get(OUT_STRIDE), ...op.i32Add, ...set(OUT),
    ...get(KEYS), ...set(T),
    ...op.br(0),
    ...op.end, ...op.end,
  ],
};

export type AttendRowsKernel = (
  dots: number, rows: number, scale: number, scores: number, out: number, outStride: number, v: number, vStride: number, blocks: number,
) => void;

let compiled: object | null | undefined;

function kernelModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi ? new wasmApi.Module(buildModule([...FUNCTIONS, attendRows])) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** attendRows bound to a memory, or null without WebAssembly SIMD (attention.ts keeps its loops). */
export function instantiateAttendRows(memory: WasmMemory): AttendRowsKernel | null {
  const module = kernelModule();
  if (module === null || !wasmApi) return null;
  const { exports } = new wasmApi.Instance(module, { env: { memory } });
  return exports['attendRows'] as AttendRowsKernel;
}
