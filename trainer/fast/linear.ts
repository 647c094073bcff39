/**
 * The three products of a linear layer y = x·W + b (W row-major [in, out]) and its bias
 * gradient, on the matrix kernel (llm.c's matmul_forward/matmul_backward):
 *
 *   forward      y (+)= x·W + b
 *   weight grad  dW += xᵀ·dy      (x read by columns, or dWᵀ = dyᵀ·x where x is the wider)
 *   input grad   dx (+)= dy·Wᵀ    (W transposed into scratch first, a small copy)
 */
import type { Buf } from './arena.ts';
import { matmul } from './matmul.ts';
import { transpose } from './transpose.ts';
import type { Workspace } from './workspace.ts';

export function linearForward(
  ws: Workspace, y: Buf, x: Buf, w: Buf, bias: Buf | null, rows: number, inputs: number, outputs: number, accumulate = false,
): void {
  matmul(ws.kernels, ws.arena.f32, {
    out: y.ptr, outStride: outputs, a: x.ptr, aRow: inputs, aCol: 1, b: w.ptr, bStride: outputs,
    bias: bias === null ? 0 : bias.ptr, rows, inner: inputs, cols: outputs, accumulate,
  });
}

/**
 * dW += xᵀ·dy over the first `rows` rows. The product reads its left factor by columns, which
 * the matrix kernel transposes first (matmul.ts); where x is wider than dy (the MLP's projection,
 * the tied head's wte), dWᵀ = dyᵀ·x is computed instead and added to dW transposed, so that the
 * narrower matrix is the one transposed (rows × 64 floats, not rows × 256), and dWᵀ (small) after.
 */
export function weightGrad(ws: Workspace, dw: Buf, x: Buf, dy: Buf, rows: number, inputs: number, outputs: number): void {
  if (inputs <= outputs) {
    matmul(ws.kernels, ws.arena.f32, {
      out: dw.ptr, outStride: outputs, a: x.ptr, aRow: 1, aCol: inputs, b: dy.ptr, bStride: outputs,
      bias: 0, rows: inputs, inner: rows, cols: outputs, accumulate: true,
    });
    return;
  }
  const dwT = ws.weightT;
  matmul(ws.kernels, ws.arena.f32, {
    out: dwT.ptr, outStride: inputs, a: dy.ptr, aRow: 1, aCol: outputs, b: x.ptr, bStride: inputs,
    bias: 0, rows: outputs, inner: rows, cols: inputs, accumulate: false,
  });
  transpose(ws.kernels, ws.arena.f32, { out: dw.ptr, outStride: outputs, in: dwT.ptr, inStride: inputs, rows: outputs, cols: inputs, accumulate: true });
}

/** dx (+)= dy·Wᵀ. */
export function inputGrad(
  ws: Workspace, dx: Buf, dy: Buf, w: Buf, rows: number, inputs: number, outputs: number, accumulate = false,
): void {
  transpose(ws.kernels, ws.arena.f32, { out: ws.weightT.ptr, outStride: inputs, in: w.ptr, inStride: outputs, rows: inputs, cols: outputs });
  matmul(ws.kernels, ws.arena.f32, {
    out: dx.ptr, outStride: inputs, a: dy.ptr, aRow: outputs, aCol: 1, b: ws.weightT.ptr, bStride: inputs,
    bias: 0, rows, inner: outputs, cols: inputs, accumulate,
  });
}

/** db += Σ over the first `rows` rows of dy (SIMD where the row length is a multiple of 4). */
export function biasGrad(ws: Workspace, db: Buf, dy: Buf, rows: number, outputs: number): void {
  if (rows === 0) return;
  if (outputs % 4 === 0) {
    ws.kernels.columnSums(db.ptr, dy.ptr, rows, outputs);
    return;
  }
  const g = db.view;
  const d = dy.view;
  for (let r = 0; r < rows; r++) {
    const o = r * outputs;
    for (let j = 0; j < outputs; j++) g[j] = g[j]! + d[o + j]!;
  }
}
