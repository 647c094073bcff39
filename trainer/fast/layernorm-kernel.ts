/**
 * LayerNorm forward and backward (layernorm.ts states the formulas) as WebAssembly SIMD kernels
 * for widths that are a multiple of 4: per row, the sums run in four float32 lanes, added across
 * them by shuffles at the end of the row and scaled by 1/width (exact for widths that are powers of
 * two, as the default model's 64); mean and 1/√(variance + ε) stay vectors, no scalar arithmetic.
 */
import type { Code, WasmFunction } from '../reference/wasm-builder.ts';
import { I32, V128, op } from '../reference/wasm-builder.ts';
import { LAYER_NORM_EPS } from './layernorm.ts';
import type { ConstantTable } from './kernel-constants.ts';
import { loadConstants } from './kernel-constants.ts';
import { acrossLanes, simd32 } from './wasm-simd.ts';

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;
const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul } = simd32;

/** for (I = 0; I < WIDTH·4 bytes; I += 16) body */
function columns(i: number, widthBytes: number, body: Code): Code {
  return [
    ...int(0), ...set(i),
    ...op.loop,
    ...body,
    ...get(i), ...int(16), ...op.i32Add, ...tee(i), ...get(widthBytes), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ];
}

const at = (base: number, i: number): Code => [...get(base), ...get(i), ...op.i32Add];

/** The sum of the vector in local v across its lanes, times the vector in `scale`, in all four lanes. */
const meanAcross = (v: number, scale: number): Code => [...acrossLanes(v, add), ...get(scale), ...mul];

// layerNormForward(out, mean, rstd, x, g, b, rows, width)
const F = {
  OUT: 0, MEAN: 1, RSTD: 2, X: 3, G: 4, B: 5, ROWS: 6, WIDTH: 7, I: 8, WB: 9, R: 10,
  ACC: 11, MV: 12, SV: 13, C: 14, INV_WIDTH: 15, EPS: 16, ONE: 17,
} as const;

export function layerNormForwardFunction(table: ConstantTable): WasmFunction {
  return {
    name: 'layerNormForward',
    params: [I32, I32, I32, I32, I32, I32, I32, I32],
    locals: [[3, I32], [7, V128]],
    body: [
      ...loadConstants([[F.EPS, table.f32(LAYER_NORM_EPS)], [F.ONE, table.f32(1)]]),
      ...get(F.WIDTH), ...int(2), ...op.i32Shl, ...set(F.WB),
      ...simd32.f32Const(1), ...get(F.WIDTH), ...simd32.f32ConvertI32U, ...simd32.f32Div, ...simd32.f32x4Splat, ...set(F.INV_WIDTH),
      ...get(F.ROWS), ...set(F.R),
      ...op.loop,
      // mean
      ...simd32.v128Zero, ...set(F.ACC),
      ...columns(F.I, F.WB, [...get(F.ACC), ...at(F.X, F.I), ...simd32.v128Load(0), ...add, ...set(F.ACC)]),
      ...meanAcross(F.ACC, F.INV_WIDTH), ...set(F.MV),
      // variance → rstd
      ...simd32.v128Zero, ...set(F.ACC),
      ...columns(F.I, F.WB, [
        ...at(F.X, F.I), ...simd32.v128Load(0), ...get(F.MV), ...sub, ...tee(F.C), ...get(F.C), ...mul, ...get(F.ACC), ...add, ...set(F.ACC),
      ]),
      ...get(F.ONE), ...meanAcross(F.ACC, F.INV_WIDTH), ...get(F.EPS), ...add, ...simd32.f32x4Sqrt, ...simd32.f32x4Div, ...set(F.SV),
      ...columns(F.I, F.WB, [
        ...at(F.OUT, F.I),
        ...at(F.X, F.I), ...simd32.v128Load(0), ...get(F.MV), ...sub, ...get(F.SV), ...mul,
        ...at(F.G, F.I), ...simd32.v128Load(0), ...mul, ...at(F.B, F.I), ...simd32.v128Load(0), ...add,
        ...simd32.v128Store(0),
      ]),
      ...get(F.MEAN), ...get(F.MV), ...simd32.f32x4ExtractLane(0), ...simd32.f32Store(0),
      ...get(F.RSTD), ...get(F.SV), ...simd32.f32x4ExtractLane(0), ...simd32.f32Store(0),
      ...get(F.MEAN), ...int(4), ...op.i32Add, ...set(F.MEAN),
      ...get(F.RSTD), ...int(4), ...op.i32Add, ...set(F.RSTD),
      ...get(F.X), ...get(F.WB), ...op.i32Add, ...set(F.X),
      ...get(F.OUT), ...get(F.WB), ...op.i32Add, ...set(F.OUT),
      ...get(F.R), ...int(1), ...simd32.i32Sub, ...tee(F.R), ...op.brIf(0),
      ...op.end,
    ],
  };
}

// layerNormBackward(dx, dg, db, dout, x, mean, rstd, g, rows, width)
const K = {
  DX: 0, DG: 1, DB: 2, DOUT: 3, X: 4, MEAN: 5, RSTD: 6, G: 7, ROWS: 8, WIDTH: 9,
  I: 10, WB: 11, R: 12, MV: 13, SV: 14, A1: 15, A2: 16, N: 17, DN: 18, D: 19, M1: 20, M2: 21, INV_WIDTH: 22,
} as const;

export const layerNormBackwardFunction: WasmFunction = {
  name: 'layerNormBackward',
  params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32],
  locals: [[3, I32], [10, V128]],
  body: [
    ...get(K.WIDTH), ...int(2), ...op.i32Shl, ...set(K.WB),
    ...simd32.f32Const(1), ...get(K.WIDTH), ...simd32.f32ConvertI32U, ...simd32.f32Div, ...simd32.f32x4Splat, ...set(K.INV_WIDTH),
    ...get(K.ROWS), ...set(K.R),
    ...op.loop,
    ...get(K.MEAN), ...simd32.v128Load32Splat(0), ...set(K.MV),
    ...get(K.RSTD), ...simd32.v128Load32Splat(0), ...set(K.SV),
    // Σ dn and Σ dn·n, dn = g·dout, n = (x − mean)·rstd
    ...simd32.v128Zero, ...set(K.A1),
    ...simd32.v128Zero, ...set(K.A2),
    ...columns(K.I, K.WB, [
      ...at(K.G, K.I), ...simd32.v128Load(0), ...at(K.DOUT, K.I), ...simd32.v128Load(0), ...mul, ...tee(K.DN),
      ...get(K.A1), ...add, ...set(K.A1),
      ...get(K.DN), ...at(K.X, K.I), ...simd32.v128Load(0), ...get(K.MV), ...sub, ...get(K.SV), ...mul, ...mul,
      ...get(K.A2), ...add, ...set(K.A2),
    ]),
    ...meanAcross(K.A1, K.INV_WIDTH), ...set(K.M1),
    ...meanAcross(K.A2, K.INV_WIDTH), ...set(K.M2),
    ...columns(K.I, K.WB, [
      ...at(K.X, K.I), ...simd32.v128Load(0), ...get(K.MV), ...sub, ...get(K.SV), ...mul, ...set(K.N),
      ...at(K.DOUT, K.I), ...simd32.v128Load(0), ...set(K.D),
      ...at(K.DB, K.I), ...at(K.DB, K.I), ...simd32.v128Load(0), ...get(K.D), ...add, ...simd32.v128Store(0),
      ...at(K.DG, K.I), ...at(K.DG, K.I), ...simd32.v128Load(0), ...get(K.N), ...get(K.D), ...mul, ...add, ...simd32.v128Store(0),
      ...at(K.DX, K.I), ...at(K.DX, K.I), ...simd32.v128Load(0),
      ...at(K.G, K.I), ...simd32.v128Load(0), ...get(K.D), ...mul, ...get(K.M1), ...sub, ...get(K.N), ...get(K.M2), ...mul, ...sub,
      ...get(K.SV), ...mul, ...add, ...simd32.v128Store(0),
    ]),
    ...get(K.MEAN), ...int(4), ...op.i32Add, ...set(K.MEAN),
    ...get(K.RSTD), ...int(4), ...op.i32Add, ...set(K.RSTD),
    ...get(K.X), ...get(K.WB), ...op.i32Add, ...set(K.X),
    ...get(K.DX), ...get(K.WB), ...op.i32Add, ...set(K.DX),
    ...get(K.DOUT), ...get(K.WB), ...op.i32Add, ...set(K.DOUT),
    ...get(K.R), ...int(1), ...simd32.i32Sub, ...tee(K.R), ...op.brIf(0),
    ...op.end,
  ],
};

export type LayerNormForwardKernel = (out: number, mean: number, rstd: number, x: number, g: number, b: number, rows: number, width: number) => void;
export type LayerNormBackwardKernel = (
  dx: number, dg: number, db: number, dout: number, x: number, mean: number, rstd: number, g: number, rows: number, width: number,
) => void;
