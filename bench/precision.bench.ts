/**
 * The evaluator's precision decision (docs/model.md): the float64 WebAssembly SIMD matrix kernel
 * the evaluator runs against a float32 prototype of it (bench/float32-linear-kernel.ts, twice the
 * lanes per register), on the matrix shapes of the default model and of a 6-layer width-256 one,
 * 64 rows (one full-context sequence) each: GFLOP/s of each, their ratio, and how far the float32
 * products are from the float64 ones (largest error relative to the largest output).
 */
import { instantiateLinearTiles } from '../trainer/reference/linear-kernel.ts';
import { paddedStride } from '../trainer/reference/linear.ts';
import { createPrng } from '../trainer/prng.ts';
import { wasmApi } from '../trainer/reference/wasm-builder.ts';
import { instantiateLinearTilesF32 } from './float32-linear-kernel.ts';

const ROWS = 64;

interface Shape {
  readonly name: string;
  readonly inputs: number;
  readonly outputs: number;
}

function shapes(d: number): Shape[] {
  return [
    { name: `qkv ${d}→${3 * d}`, inputs: d, outputs: 3 * d },
    { name: `attn out ${d}→${d}`, inputs: d, outputs: d },
    { name: `mlp fc ${d}→${4 * d}`, inputs: d, outputs: 4 * d },
    { name: `mlp proj ${4 * d}→${d}`, inputs: 4 * d, outputs: d },
    { name: `head ${d}→256`, inputs: d, outputs: 256 },
  ];
}

/** CPU milliseconds per call, best of 7 rounds. */
function perCallMs(calls: number, fn: () => void): number {
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const start = process.cpuUsage();
    for (let c = 0; c < calls; c++) fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / calls);
  }
  return best;
}

function measure(shape: Shape): Record<string, unknown> {
  const { inputs: n, outputs: m } = shape;
  const stride64 = paddedStride(m);
  const memory = new wasmApi!.Memory({ initial: Math.ceil(((ROWS * n + n * stride64 + m + ROWS * m) * 12 + 4096) / 65536) + 1 });
  const prng = createPrng(new TextEncoder().encode(`precision-${shape.name}`));
  const xs = Array.from({ length: ROWS * n }, () => prng.gaussian());
  const ws = Array.from({ length: n * m }, () => 0.02 * prng.gaussian());
  const bs = Array.from({ length: m }, () => 0.01 * prng.gaussian());
  // float64 arrays, then float32 arrays, each 16-byte aligned in one memory.
  let next = 0;
  const f64 = (length: number): Float64Array => {
    const a = new Float64Array(memory.buffer, next, length);
    next += ((length * 8 + 15) >> 4) << 4;
    return a;
  };
  const f32 = (length: number): Float32Array => {
    const a = new Float32Array(memory.buffer, next, length);
    next += ((length * 4 + 15) >> 4) << 4;
    return a;
  };
  const x64 = f64(ROWS * n);
  const w64 = f64(n * stride64);
  const b64 = f64(stride64);
  const o64 = f64(ROWS * m);
  const x32 = f32(ROWS * n);
  const w32 = f32(n * m);
  const b32 = f32(m);
  const o32 = f32(ROWS * m);
  // The same float32 values in both: the inputs of the evaluator are float32 parameters.
  x32.set(xs);
  w32.set(ws);
  b32.set(bs);
  x64.set(x32);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) w64[i * stride64 + j] = w32[i * m + j]!;
  b64.set(b32);
  const tiles64 = instantiateLinearTiles(memory)!;
  const tiles32 = instantiateLinearTilesF32(memory);
  const cols64 = m & ~3;
  const cols32 = m & ~7;
  const calls = Math.max(20, Math.round(2e7 / (ROWS * n * m)));
  const run64 = (): void => tiles64(o64.byteOffset, x64.byteOffset, w64.byteOffset, b64.byteOffset, ROWS, n, m, stride64, cols64, 0);
  const run32 = (): void => tiles32(o32.byteOffset, x32.byteOffset, w32.byteOffset, b32.byteOffset, ROWS, n, m, m, cols32);
  run64();
  run32();
  let maxOut = 0;
  let maxErr = 0;
  for (let i = 0; i < ROWS * m; i++) {
    maxOut = Math.max(maxOut, Math.abs(o64[i]!));
    maxErr = Math.max(maxErr, Math.abs(o64[i]! - o32[i]!));
  }
  const flops = 2 * ROWS * n * m;
  const ms64 = perCallMs(calls, run64);
  const ms32 = perCallMs(calls, run32);
  return {
    shape: shape.name,
    gflopsF64: Math.round((flops / (ms64 * 1e6)) * 100) / 100,
    gflopsF32: Math.round((flops / (ms32 * 1e6)) * 100) / 100,
    speedupF32: Math.round((ms64 / ms32) * 100) / 100,
    f32ErrorRelativeToLargestOutput: Number((maxErr / maxOut).toExponential(2)),
  };
}

export default async function precisionBench(): Promise<Record<string, unknown>> {
  return {
    rows: ROWS,
    defaultModel: shapes(64).map(measure),
    sixLayersWidth256: shapes(256).map(measure),
  };
}
