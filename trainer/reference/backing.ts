/**
 * Where a prepared model's arrays live and which matrix product runs on them. With WebAssembly
 * SIMD (every supported Node), all of them are views into one WebAssembly memory so the kernel
 * can read them in place; otherwise they are plain arrays and the scalar definition runs. Both
 * give the same bits; the choice only changes the speed.
 */
import type { LinearFn } from './linear.ts';
import { linearRegion, linearScalar } from './linear.ts';
import { instantiateLinearTiles } from './linear-kernel.ts';
import { instantiateElementwise } from './elementwise-kernel.ts';
import { instantiateAttendRows } from './attention-kernel.ts';
import type { AttendRowsFn } from './attention.ts';
import { attendRowsScalar } from './attention.ts';
import { geluInPlace } from './mlp.ts';
import type { LayerNormFn } from './layernorm.ts';
import { layerNormScalar } from './layernorm.ts';
import type { MaxOfFn } from './logits.ts';
import { maxOfScalar } from './logits.ts';
import type { ExpShiftedFn } from './softmax.ts';
import { expShiftedScalar } from './softmax.ts';
import type { WasmMemory } from './wasm-builder.ts';
import { wasmApi } from './wasm-builder.ts';

export type KernelKind = 'wasm-simd' | 'scalar';

export interface Backing {
  readonly kind: KernelKind;
  /** A zeroed float32 array; in WebAssembly memory, 16-byte aligned. */
  alloc(length: number): Float32Array;
  readonly linear: LinearFn;
  /** values[i] = gelu(values[i]) for i < count: mlp.ts's geluInPlace. */
  readonly gelu: (values: Float32Array, count: number) => void;
  /** softmax.ts's shifted exponentials. */
  readonly expShifted: ExpShiftedFn;
  /** attention.ts's rows of one head after its dot products. */
  readonly attendRows: AttendRowsFn;
  /** layernorm.ts's LayerNorm. */
  readonly layerNorm: LayerNormFn;
  /** logits.ts's largest value of a row. */
  readonly maxOf: MaxOfFn;
}

const PAGE_BYTES = 65536;
/** Beyond this the scalar path is used: wasm32 memories stop at 4 GiB and engines often sooner. */
const MAX_WASM_BYTES = 2 ** 31;

function scalarBacking(): Backing {
  return { kind: 'scalar', alloc: (length) => new Float32Array(length), linear: linearScalar, gelu: geluInPlace, expShifted: expShiftedScalar,
    attendRows: attendRowsScalar,
    layerNorm: layerNormScalar,
    maxOf: maxOfScalar,
  };
}

/**
 * A backing for at most `floats` float32 values in at most `allocations` arrays. 'auto' takes
 * WebAssembly SIMD where it can and falls back silently.
 */
export function createBacking(floats: number, allocations: number, want: 'auto' | KernelKind): Backing {
  if (want === 'scalar') return scalarBacking();
  const bytes = floats * 4 + allocations * 16; // each array may lose up to 12 bytes to alignment
  if (bytes > MAX_WASM_BYTES || !wasmApi) return scalarBacking();
  let memory: WasmMemory;
  try {
    memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
  } catch {
    return scalarBacking();
  }
  const tiles = instantiateLinearTiles(memory);
  const elementwise = instantiateElementwise(memory);
  const attendRowsKernel = instantiateAttendRows(memory);
  if (tiles === null || elementwise === null || attendRowsKernel === null) return scalarBacking();
  const buffer = memory.buffer;
  let next = 0;
  const alloc = (length: number): Float32Array => {
    next = (next + 15) & ~15;
    if (next + length * 4 > buffer.byteLength) throw new Error('reference evaluator: arena sized too small');
    const view = new Float32Array(buffer, next, length);
    next += length * 4;
    return view;
  };
  const linear: LinearFn = (out, x, rows, w, bias, accumulate) => {
    const { inputs: n, outputs: m } = w;
    // The kernel addresses its memory by offset, so it may only see arrays that live in it.
    const inMemory = out.buffer === buffer && x.buffer === buffer && w.values.buffer === buffer && bias.buffer === buffer;
    if (n === 0 || !inMemory) return linearScalar(out, x, rows, w, bias, accumulate);
    const cols = m & ~7;
    // The kernel works on blocks of 4 rows. Where the buffers have room, the last block is run
    // in full, over rows past the end whose results nobody reads (rows are independent).
    const padded = (rows + 3) & ~3;
    const fits = x.length >= padded * n && out.length >= padded * m;
    const kernelRows = fits ? padded : rows & ~3;
    if (cols > 0 && kernelRows > 0) {
      const wb = w.values.byteOffset;
      tiles(out.byteOffset, x.byteOffset, wb, bias.byteOffset, kernelRows, n, m, w.stride, cols, accumulate ? 1 : 0);
    }
    if (kernelRows < rows) linearRegion(out, x, w, bias, accumulate, kernelRows, rows, 0, cols);
    if (cols < m) linearRegion(out, x, w, bias, accumulate, 0, rows, cols, m);
  };
  const gelu = (values: Float32Array, count: number): void => {
    if (values.buffer !== buffer) return geluInPlace(values, count);
    elementwise.gelu(values.byteOffset, count);
  };
  const expShifted: ExpShiftedFn = (values, start, count, shift, store) => {
    if (values.buffer !== buffer) return expShiftedScalar(values, start, count, shift, store);
    return elementwise.expShifted(values.byteOffset + 4 * start, count, shift, store ? 1 : 0);
  };
  const attendRows: AttendRowsFn = (out, o0, outStride, qkv, vCol, stride, hd, dots, rows, scale, scores) => {
    // The kernel's weighted values take whole blocks of eight columns; other widths stay scalar.
    const inMemory = out.buffer === buffer && qkv.buffer === buffer && dots.buffer === buffer && scores.buffer === buffer;
    if (hd % 8 !== 0 || !inMemory) return attendRowsScalar(out, o0, outStride, qkv, vCol, stride, hd, dots, rows, scale, scores);
    attendRowsKernel(dots.byteOffset, rows, scale, scores.byteOffset, out.byteOffset + 4 * o0, 4 * outStride,
      qkv.byteOffset + 4 * vCol, 4 * stride, hd >> 3);
  };
  const layerNorm: LayerNormFn = (out, x, rows, d, gain, bias) => {
    if (out.buffer !== buffer || x.buffer !== buffer || gain.buffer !== buffer || bias.buffer !== buffer) {
      return layerNormScalar(out, x, rows, d, gain, bias);
    }
    elementwise.layerNorm(out.byteOffset, x.byteOffset, rows, d, gain.byteOffset, bias.byteOffset);
  };
  const maxOf: MaxOfFn = (values, start, count) => {
    if (values.buffer !== buffer) return maxOfScalar(values, start, count);
    return elementwise.maxOf(values.byteOffset + 4 * start, count);
  };
  return { kind: 'wasm-simd', alloc, linear, gelu, expShifted, attendRows, layerNorm, maxOf };
}
