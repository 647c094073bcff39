/**
 * Causal multi-head self-attention within each sequence of a batch, forward and backward
 * (llm.c's attention_forward/attention_backward). Rows of qkv are [q | k | v], each split into
 * heads contiguously: head h owns columns h·hd … (h+1)·hd − 1 of q, of k and of v. For query t:
 *
 *   s_u = q_t·k_u / √hd (u ≤ t),  p = softmax(s),  y_t = Σ_u p_u·v_u
 *
 * Per sequence and head the products are whole matrix products on the SIMD kernel, S = Q·Kᵀ and
 * Y = P·V forward, dP = dY·Vᵀ, dV = Pᵀ·dY, dQ = dS·K, dK = dSᵀ·Q backward, with P and dS zero
 * above the diagonal: the kernel skips the tiles of S and dP above it (nothing reads them) and the
 * zeros of P and dS in the sums (matmul-kernel.ts, Causal), about half of each product. Only the
 * softmax and its gradient, dS = P ⊙ (dP − Σ_u P·dP) / √hd, run outside it (on SIMD kernels of
 * their own where T is a multiple of 4). P is kept (sequence by sequence, head by head, [t][u] with
 * row length T) for the backward pass.
 */
import type { Buf } from './arena.ts';
import type { BatchRows } from './batch-rows.ts';
import { exponentiate } from './softmax-exp.ts';
import { matmul } from './matmul.ts';
import { Causal } from './matmul-kernel.ts';
import { transpose } from './transpose.ts';
import type { Workspace } from './workspace.ts';

/** Writes rows [start, start + time) of qkv's columns col … col + hd − 1 as a [hd, time] matrix. */
function transposeHead(ws: Workspace, to: Buf, qkv: Buf, start: number, time: number, col: number, hd: number, stride: number): void {
  transpose(ws.kernels, ws.arena.f32, { out: to.ptr, outStride: time, in: qkv.ptr + (start * stride + col) * 4, inStride: stride, rows: time, cols: hd });
}

/**
 * Causal softmax of the scaled scores in place: row t keeps u ≤ t, the rest becomes 0. The
 * scores are at arena float index `base` onwards, T to a row.
 */
function causalSoftmax(ws: Workspace, base: number, time: number, scale: number): void {
  const p = ws.arena.f32;
  for (let t = 0; t < time; t++) {
    const row = base + t * time;
    let max = -Infinity;
    for (let u = 0; u <= t; u++) if (p[row + u]! > max) max = p[row + u]!;
    const inverse = 1 / exponentiate(ws, row, t + 1, max, scale);
    for (let u = 0; u <= t; u++) p[row + u] = p[row + u]! * inverse;
    p.fill(0, row + t + 1, row + time);
  }
}

export function attentionForward(ws: Workspace, y: Buf, probs: Buf, qkv: Buf, rows: BatchRows): void {
  const { width: d, heads } = ws.spec;
  const hd = d / heads;
  const stride = 3 * d;
  const scale = 1 / Math.sqrt(hd);
  const f32 = ws.arena.f32;
  const kt = ws.attentionT;
  let probBase = 0;
  for (let s = 0; s < rows.starts.length; s++) {
    const start = rows.starts[s]!;
    const time = rows.lengths[s]!;
    for (let h = 0; h < heads; h++) {
      const base = probBase + h * time * time;
      const pPtr = probs.ptr + base * 4;
      transposeHead(ws, kt, qkv, start, time, d + h * hd, hd, stride);
      matmul(ws.kernels, f32, {
        out: pPtr, outStride: time, a: qkv.ptr + (start * stride + h * hd) * 4, aRow: stride, aCol: 1,
        b: kt.ptr, bStride: time, bias: 0, rows: time, inner: hd, cols: time, accumulate: false, causal: Causal.OUT_LOWER,
      });
      if (time % 4 === 0) ws.kernels.causalSoftmax(pPtr, time, scale);
      else causalSoftmax(ws, probs.ptr / 4 + base, time, scale);
      matmul(ws.kernels, f32, {
        out: y.ptr + (start * d + h * hd) * 4, outStride: d, a: pPtr, aRow: time, aCol: 1,
        b: qkv.ptr + (start * stride + 2 * d + h * hd) * 4, bStride: stride, bias: 0, rows: time, inner: time, cols: hd, accumulate: false,
        causal: Causal.A_LOWER,
      });
    }
    probBase += heads * time * time;
  }
}

/** dS = P ⊙ (dP − Σ_u P·dP) · scale, in place of dP. */
function softmaxBackward(dp: Float32Array, p: Float32Array, base: number, time: number, scale: number): void {
  for (let t = 0; t < time; t++) {
    const row = t * time;
    let weighted = 0;
    for (let u = 0; u <= t; u++) weighted += p[base + row + u]! * dp[row + u]!;
    for (let u = 0; u <= t; u++) dp[row + u] = p[base + row + u]! * (dp[row + u]! - weighted) * scale;
    dp.fill(0, row + t + 1, row + time);
  }
}

/**
 * dqkv = the gradient of q, k and v from dy, on the batch's rows. Its set-up and loop over
 * sequences and heads mirror attentionForward's on purpose (llm.c's attention_forward/backward):
 * each direction reads as its own straight line of math.
 */
export function attentionBackward(ws: Workspace, dqkv: Buf, dy: Buf, qkv: Buf, probs: Buf, rows: BatchRows): void {
  const { width: d, heads } = ws.spec;
  const hd = d / heads;
  const stride = 3 * d;
  const scale = 1 / Math.sqrt(hd);
  const f32 = ws.arena.f32;
  const vt = ws.attentionT;
  const ds = ws.attentionGrad;
  let probBase = 0;
  for (let s = 0; s < rows.starts.length; s++) {
    const start = rows.starts[s]!;
    const time = rows.lengths[s]!;
    for (let h = 0; h < heads; h++) {
      const base = probBase + h * time * time;
      const pPtr = probs.ptr + base * 4;
      const q = qkv.ptr + (start * stride + h * hd) * 4;
      const k = q + d * 4;
      const dq = dqkv.ptr + (start * stride + h * hd) * 4;
      const dk = dq + d * 4;
      const dv = dk + d * 4;
      const dyHead = dy.ptr + (start * d + h * hd) * 4;
      transposeHead(ws, vt, qkv, start, time, 2 * d + h * hd, hd, stride);
      matmul(ws.kernels, f32, {
        out: ds.ptr, outStride: time, a: dyHead, aRow: d, aCol: 1, b: vt.ptr, bStride: time,
        bias: 0, rows: time, inner: hd, cols: time, accumulate: false, causal: Causal.OUT_LOWER,
      });
      matmul(ws.kernels, f32, {
        out: dv, outStride: stride, a: pPtr, aRow: 1, aCol: time, b: dyHead, bStride: d,
        bias: 0, rows: time, inner: time, cols: hd, accumulate: false, causal: Causal.A_UPPER,
      });
      if (time % 4 === 0) ws.kernels.causalSoftmaxBackward(ds.ptr, pPtr, time, scale);
      else softmaxBackward(ds.view, probs.view, base, time, scale);
      matmul(ws.kernels, f32, {
        out: dq, outStride: stride, a: ds.ptr, aRow: time, aCol: 1, b: k, bStride: stride,
        bias: 0, rows: time, inner: time, cols: hd, accumulate: false, causal: Causal.A_LOWER,
      });
      matmul(ws.kernels, f32, {
        out: dk, outStride: stride, a: ds.ptr, aRow: 1, aCol: time, b: q, bStride: stride,
        bias: 0, rows: time, inner: time, cols: hd, accumulate: false, causal: Causal.A_UPPER,
      });
    }
    probBase += heads * time * time;
  }
}
