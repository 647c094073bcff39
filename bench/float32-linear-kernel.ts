/**
 * A float32 prototype of the reference evaluator's matrix kernel (trainer/reference/
 * linear-kernel.ts), for the precision decision in docs/model.md: the same loop nest and the same
 * summation order (bias first, then inputs in order, a separate multiply and add), with four f32
 * lanes to a register instead of two f64, so each tile is 4 rows × 8 columns. Not used by
 * consensus: bench/precision.bench.ts measures it beside the float64 kernel.
 */
import type { Code, WasmFunction, WasmMemory } from '../trainer/reference/wasm-builder.ts';
import { I32, V128, buildModule, op, uleb128, wasmApi } from '../trainer/reference/wasm-builder.ts';

const simd = (opcode: number, ...immediates: number[]): number[] => [0xfd, ...uleb128(opcode), ...immediates];
const f32x4Add = simd(0xe4);
const f32x4Mul = simd(0xe6);
const v128Load32Splat = simd(0x09, 2, 0);

const OUT = 0;
const X = 1;
const W = 2;
const BIAS = 3;
const ROWS = 4; // a multiple of 4
const N = 5;
const M = 6;
const W_STRIDE = 7;
const COLS = 8; // a multiple of 8
const R = 9;
const J = 10;
const ROW_BYTES_X = 11;
const ROW_BYTES_W = 12;
const ROW_BYTES_OUT = 13;
const XR = 14;
const XEND = 15;
const WP = 16;
const PTR = 17;
const XP = [18, 19, 20, 21] as const;
const LEFT = [22, 23, 24, 25] as const; // columns j … j+3
const RIGHT = [26, 27, 28, 29] as const; // columns j+4 … j+7
const W_LEFT = 30;
const W_RIGHT = 31;
const XS = 32;

const { localGet: get, localSet: set, localTee: tee, i32Const: int } = op;

const multiplyAdd = (acc: number, x: number, w: number): Code => [...get(acc), ...get(x), ...get(w), ...f32x4Mul, ...f32x4Add, ...set(acc)];

const tileRow = (k: 0 | 1 | 2 | 3): Code => [
  ...get(XP[k]), ...v128Load32Splat, ...set(XS),
  ...multiplyAdd(LEFT[k], XS, W_LEFT),
  ...multiplyAdd(RIGHT[k], XS, W_RIGHT),
  ...get(XP[k]), ...int(4), ...op.i32Add, ...set(XP[k]),
];

const storeRow = (k: 0 | 1 | 2 | 3): Code => [
  ...get(PTR), ...get(LEFT[k]), ...op.v128Store(0),
  ...get(PTR), ...get(RIGHT[k]), ...op.v128Store(16),
  ...get(PTR), ...get(ROW_BYTES_OUT), ...op.i32Add, ...set(PTR),
];

const body: Code = [
  ...get(N), ...int(2), ...op.i32Shl, ...set(ROW_BYTES_X),
  ...get(W_STRIDE), ...int(2), ...op.i32Shl, ...set(ROW_BYTES_W),
  ...get(M), ...int(2), ...op.i32Shl, ...set(ROW_BYTES_OUT),
  ...int(0), ...set(J),
  ...op.block, ...op.loop,
  ...get(J), ...get(COLS), ...op.i32GeU, ...op.brIf(1),
  ...int(0), ...set(R),
  ...op.block, ...op.loop,
  ...get(R), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
  ...get(X), ...get(R), ...get(ROW_BYTES_X), ...op.i32Mul, ...op.i32Add, ...set(XR),
  ...get(XR), ...get(ROW_BYTES_X), ...op.i32Add, ...set(XEND),
  ...get(BIAS), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
  ...get(PTR), ...op.v128Load(0), ...tee(LEFT[0]), ...tee(LEFT[1]), ...tee(LEFT[2]), ...set(LEFT[3]),
  ...get(PTR), ...op.v128Load(16), ...tee(RIGHT[0]), ...tee(RIGHT[1]), ...tee(RIGHT[2]), ...set(RIGHT[3]),
  ...get(XR), ...tee(XP[0]),
  ...get(ROW_BYTES_X), ...op.i32Add, ...tee(XP[1]),
  ...get(ROW_BYTES_X), ...op.i32Add, ...tee(XP[2]),
  ...get(ROW_BYTES_X), ...op.i32Add, ...set(XP[3]),
  ...get(W), ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(WP),
  ...op.loop,
  ...get(WP), ...op.v128Load(0), ...set(W_LEFT),
  ...get(WP), ...op.v128Load(16), ...set(W_RIGHT),
  ...tileRow(0), ...tileRow(1), ...tileRow(2), ...tileRow(3),
  ...get(WP), ...get(ROW_BYTES_W), ...op.i32Add, ...set(WP),
  ...get(XP[0]), ...get(XEND), ...op.i32LtU, ...op.brIf(0),
  ...op.end,
  ...get(OUT), ...get(R), ...get(ROW_BYTES_OUT), ...op.i32Mul, ...op.i32Add,
  ...get(J), ...int(2), ...op.i32Shl, ...op.i32Add, ...set(PTR),
  ...storeRow(0), ...storeRow(1), ...storeRow(2), ...storeRow(3),
  ...get(R), ...int(4), ...op.i32Add, ...set(R),
  ...op.br(0),
  ...op.end, ...op.end,
  ...get(J), ...int(8), ...op.i32Add, ...set(J),
  ...op.br(0),
  ...op.end, ...op.end,
];

const linearTilesF32: WasmFunction = {
  name: 'linearTilesF32',
  params: [I32, I32, I32, I32, I32, I32, I32, I32, I32],
  locals: [[13, I32], [11, V128]],
  body,
};

/** out[r][j] = bias[j] + Σ_i x[r][i]·w[i][j] in float32 for r < rows (a multiple of 4), j < cols (a multiple of 8); byte offsets. */
export type LinearTilesF32 = (out: number, x: number, w: number, bias: number, rows: number, n: number, m: number, wStride: number, cols: number) => void;

export function instantiateLinearTilesF32(memory: WasmMemory): LinearTilesF32 {
  if (!wasmApi) throw new Error('no WebAssembly in this engine');
  const instance = new wasmApi.Instance(new wasmApi.Module(buildModule([linearTilesF32])), { env: { memory } });
  return instance.exports['linearTilesF32'] as LinearTilesF32;
}
