/**
 * Just enough of the WebAssembly binary format (core spec 1.0 plus the fixed-width SIMD
 * proposal, standard since 2021) to write a module of a few functions over one imported memory,
 * with the instructions the evaluator's kernels use. No toolchain is needed and the module is
 * built from this source at load time, so what runs is exactly what is reviewed here.
 *
 * WebAssembly keeps the evaluator deterministic: its float add and multiply (scalar and per
 * SIMD lane) are IEEE 754 correctly rounded on every engine, it never contracts a multiply and
 * an add into a fused one, and only the bits of a NaN it produces may vary (a NaN stays a NaN).
 */

/**
 * The parts of the engine's WebAssembly API used here, typed locally: the project compiles
 * against the ES library alone, which does not declare them.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
}

/** The engine's WebAssembly, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

export type Code = readonly number[];

export function uleb128(value: number): number[] {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb128(value: number): number[] {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vector(items: readonly Code[]): number[] {
  return [...uleb128(items.length), ...items.flat()];
}

function name(text: string): number[] {
  return vector([...new TextEncoder().encode(text)].map((b) => [b]));
}

function section(id: number, body: Code): number[] {
  return [id, ...uleb128(body.length), ...body];
}

/** A float32 as the 4 little-endian bytes of its IEEE 754 pattern (value is rounded to float32). */
function f32Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value, true);
  return [...new Uint8Array(view.buffer)];
}

/** A float64 as the 8 little-endian bytes of its IEEE 754 pattern (constants in the code). */
function f64Bytes(value: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return [...new Uint8Array(view.buffer)];
}

const SIMD_PREFIX = 0xfd;
const simd = (opcode: number, ...immediates: number[]): number[] => [SIMD_PREFIX, ...uleb128(opcode), ...immediates];
/** A memory operand: alignment hint (log2 bytes) and constant byte offset. */
const memarg = (alignLog2: number, offset: number): number[] => [alignLog2, ...uleb128(offset)];

/** The instructions used, named as in the text format. Blocks and loops produce no value. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  /** An if whose arms leave one value of the given type. */
  ifResult: (type: number): number[] => [0x04, type],
  else: [0x05],
  end: [0x0b],
  br: (depth: number): number[] => [0x0c, ...uleb128(depth)],
  brIf: (depth: number): number[] => [0x0d, ...uleb128(depth)],
  localGet: (index: number): number[] => [0x20, ...uleb128(index)],
  localSet: (index: number): number[] => [0x21, ...uleb128(index)],
  localTee: (index: number): number[] => [0x22, ...uleb128(index)],
  i32Const: (value: number): number[] => [0x41, ...sleb128(value)],
  call: (index: number): number[] => [0x10, ...uleb128(index)],
  f64Div: [0xa3],
  f64Sub: [0xa1],
  f64Sqrt: [0x9f],
  f64ConvertI32U: [0xb8],
  f32Gt: [0x5e],
  /** float64 → float32, rounded to nearest even. */
  f32DemoteF64: [0xb6],
  /** Of a, b and an i32 condition: a where the condition is nonzero, else b. */
  select: [0x1b],
  i32Eqz: [0x45],
  i32GeU: [0x4f],
  i32LtU: [0x49],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  f64Load: (offset: number): number[] => [0x2b, ...memarg(3, offset)],
  f64Store: (offset: number): number[] => [0x39, ...memarg(3, offset)],
  i32Sub: [0x6b],
  i32And: [0x71],
  return: [0x0f],
  f64Add: [0xa0],
  f64Mul: [0xa2],
  f64Const: (value: number): number[] => [0x44, ...f64Bytes(value)],
  /** Two f64 lanes, low then high. */
  f64x2Const: (low: number, high: number = low): number[] => simd(0x0c, ...f64Bytes(low), ...f64Bytes(high)),
  f64x2Splat: simd(0x14),
  f64x2ExtractLane: (lane: 0 | 1): number[] => simd(0x21, lane),
  f64x2Eq: simd(0x47),
  f64x2Lt: simd(0x49),
  f64x2Gt: simd(0x4a),
  f64x2Ge: simd(0x4c),
  v128And: simd(0x4e),
  /** a & ~b */
  v128AndNot: simd(0x4f),
  /** (a & mask) | (b & ~mask), operands a, b, mask. */
  v128Bitselect: simd(0x52),
  f64x2Trunc: simd(0x7a),
  /** 1 if both 64-bit lanes are nonzero. */
  i64x2AllTrue: simd(0xc3),
  i64x2Shl: simd(0xcb),
  f64x2Abs: simd(0xec),
  f64x2Sub: simd(0xf1),
  f64x2Div: simd(0xf3),
  v128Load: (offset: number): number[] => simd(0x00, ...memarg(3, offset)),
  v128Store: (offset: number): number[] => simd(0x0b, ...memarg(3, offset)),
  /** Loads one f64 and puts it in both lanes. */
  v128Load64Splat: (offset: number): number[] => simd(0x0a, ...memarg(3, offset)),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
  f32Load: (offset: number): number[] => [0x2a, ...memarg(2, offset)],
  f32Store: (offset: number): number[] => [0x38, ...memarg(2, offset)],
  /** float32 → float64, exact. */
  f64PromoteF32: [0xbb],
  /** Four f32 lanes of the same value. */
  f32x4Const: (value: number): number[] => simd(0x0c, ...f32Bytes(value), ...f32Bytes(value), ...f32Bytes(value), ...f32Bytes(value)),
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: 0 | 1 | 2 | 3): number[] => simd(0x1f, lane),
  f32x4Lt: simd(0x43),
  f32x4Gt: simd(0x44),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  /** Lanes 0 and 1 of an f32x4 as two f64 lanes, exact. */
  f64x2PromoteLowF32x4: simd(0x5f),
  /** Each f32 lane to an i32 lane, toward zero (exact for the integral values it is given here). */
  i32x4TruncSatF32x4S: simd(0xf8),
  i32x4Splat: simd(0x11),
  i32x4LtS: simd(0x39),
  /** Four i32 lanes, lane 0 first. */
  i32x4Const: (lanes: readonly [number, number, number, number]): number[] => simd(0x0c, ...new Uint8Array(Int32Array.from(lanes).buffer)),
  /** i8x16.shuffle taking f32 lanes of the two operands: 0–3 the first's, 4–7 the second's. */
  f32x4Shuffle: (lanes: readonly [number, number, number, number]): number[] =>
    simd(0x0d, ...lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3])),
  /** b where a < b, else a, per lane: a NaN in b never wins, unlike f32x4.max. */
  f32x4Pmax: simd(0xeb),
  /** Two f64 lanes rounded to float32 into lanes 0, 1; lanes 2, 3 zero. */
  f32x4DemoteF64x2Zero: simd(0x5e),
  i32x4Add: simd(0xae),
  i32x4Shl: simd(0xab),
  /** Loads one f32 and puts it in all four lanes. */
  v128Load32Splat: (offset: number): number[] => simd(0x09, ...memarg(2, offset)),
  /** i8x16.shuffle of a vector pushed twice: its f32 lanes 2, 3 move to lanes 0, 1 (and 0, 1 to 2, 3). */
  f32x4HighToLow: simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
} as const;

export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  /** The result types; none when left out. */
  readonly results?: readonly number[];
  /** Runs of locals after the parameters: [count, type]. */
  readonly locals: readonly (readonly [number, number])[];
  /** The body's instructions, without the final `end`. */
  readonly body: Code;
}

/** A module importing env.memory (at least minPages of 64 KiB) and exporting the functions. */
export function buildModule(functions: readonly WasmFunction[], minPages = 1): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), ...vector((f.results ?? []).map((t) => [t]))]);
  const imports = [[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb128(minPages)]];
  const declarations = functions.map((_, i) => uleb128(i));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...uleb128(i)]);
  const bodies = functions.map((f) => {
    const code = [...vector(f.locals.map(([count, type]) => [...uleb128(count), type])), ...f.body, ...op.end];
    return [...uleb128(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector(imports)),
    ...section(3, vector(declarations)),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
