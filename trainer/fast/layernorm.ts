/**
 * LayerNorm over the last axis, as torch.nn.LayerNorm (biased variance, ε = 1e-5), forward and
 * backward, one row of `width` floats at a time (llm.c's layernorm_forward / layernorm_backward).
 * Widths that are a multiple of 4 run on the SIMD kernels of layernorm-kernel.ts (float32 sums);
 * other widths here (float64 sums). Values are stored as float32.
 */
import type { Buf } from './arena.ts';
import type { Workspace } from './workspace.ts';
export const LAYER_NORM_EPS = 1e-5;

/** out = (x − mean)·rstd·g + b per row; mean and rstd are kept for the backward pass. */
function layerNormForwardScalar(
  out: Float32Array, mean: Float32Array, rstd: Float32Array, x: Float32Array,
  g: Float32Array, b: Float32Array, rows: number, width: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let sum = 0;
    for (let i = 0; i < width; i++) sum += x[o + i]!;
    const m = sum / width;
    let sq = 0;
    for (let i = 0; i < width; i++) {
      const c = x[o + i]! - m;
      sq += c * c;
    }
    const s = 1 / Math.sqrt(sq / width + LAYER_NORM_EPS);
    for (let i = 0; i < width; i++) out[o + i] = (x[o + i]! - m) * s * g[i]! + b[i]!;
    mean[r] = m;
    rstd[r] = s;
  }
}

/**
 * dx += the gradient through the normalisation; dg, db += the gain's and bias's gradients.
 * With n = (x − mean)·rstd and dn = g·dout: dx = rstd·(dn − mean(dn) − n·mean(dn·n)).
 */
function layerNormBackwardScalar(
  dx: Float32Array, dg: Float32Array, db: Float32Array, dout: Float32Array, x: Float32Array,
  mean: Float32Array, rstd: Float32Array, g: Float32Array, rows: number, width: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    const m = mean[r]!;
    const s = rstd[r]!;
    let dnMean = 0;
    let dnNormMean = 0;
    for (let i = 0; i < width; i++) {
      const n = (x[o + i]! - m) * s;
      const dn = g[i]! * dout[o + i]!;
      dnMean += dn;
      dnNormMean += dn * n;
    }
    dnMean /= width;
    dnNormMean /= width;
    for (let i = 0; i < width; i++) {
      const n = (x[o + i]! - m) * s;
      const d = dout[o + i]!;
      db[i] = db[i]! + d;
      dg[i] = dg[i]! + n * d;
      dx[o + i] = dx[o + i]! + (g[i]! * d - dnMean - n * dnNormMean) * s;
    }
  }
}

export function layerNormForward(ws: Workspace, out: Buf, mean: Buf, rstd: Buf, x: Buf, g: Buf, b: Buf, rows: number, width: number): void {
  if (rows === 0) return;
  if (width % 4 === 0) ws.kernels.layerNormForward(out.ptr, mean.ptr, rstd.ptr, x.ptr, g.ptr, b.ptr, rows, width);
  else layerNormForwardScalar(out.view, mean.view, rstd.view, x.view, g.view, b.view, rows, width);
}

/** dx += the gradient through the normalisation; dg, db += the gain's and bias's gradients. */
export function layerNormBackward(
  ws: Workspace, dx: Buf, dg: Buf, db: Buf, dout: Buf, x: Buf, mean: Buf, rstd: Buf, g: Buf, rows: number, width: number,
): void {
  if (rows === 0) return;
  if (width % 4 === 0) ws.kernels.layerNormBackward(dx.ptr, dg.ptr, db.ptr, dout.ptr, x.ptr, mean.ptr, rstd.ptr, g.ptr, rows, width);
  else layerNormBackwardScalar(dx.view, dg.view, db.view, dout.view, x.view, mean.view, rstd.view, g.view, rows, width);
}
