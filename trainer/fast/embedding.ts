/**
 * Token plus position embedding, forward and backward (llm.c's encoder_forward/backward). Widths
 * that are a multiple of 4 run on the SIMD kernels of embedding-kernel.ts, from each row's token
 * and position written into the workspace by the forward pass (the backward pass of the same batch
 * reads them again); other widths here. The two JavaScript loops walk the rows the same way on
 * purpose, as llm.c's pairs do: each reads top to bottom as the math of its direction, with no
 * shared iterator to look up.
 */
import type { Buf } from './arena.ts';
import type { BatchRows } from './batch-rows.ts';
import type { Workspace } from './workspace.ts';

/** x[row] = wte[token] + wpe[position] for every row of every sequence. */
export function embedForward(ws: Workspace, x: Buf, wte: Buf, wpe: Buf, rows: BatchRows, width: number): void {
  if (width % 4 !== 0) {
    embedForwardScalar(x.view, wte.view, wpe.view, rows, width);
    return;
  }
  const tokens = ws.rowTokens.view;
  const positions = ws.rowPositions.view;
  for (let s = 0; s < rows.starts.length; s++) {
    const start = rows.starts[s]!;
    for (let t = 0; t < rows.lengths[s]!; t++) {
      tokens[start + t] = rows.inputs[start + t]!;
      positions[start + t] = t;
    }
  }
  ws.kernels.embedForward(x.ptr, wte.ptr, wpe.ptr, ws.rowTokens.ptr, ws.rowPositions.ptr, rows.count, width);
}

/** dwte[token] += dx[row], dwpe[position] += dx[row]; after embedForward on the same batch. */
export function embedBackward(ws: Workspace, dwte: Buf, dwpe: Buf, dx: Buf, rows: BatchRows, width: number): void {
  if (width % 4 !== 0) {
    embedBackwardScalar(dwte.view, dwpe.view, dx.view, rows, width);
    return;
  }
  ws.kernels.embedBackward(dx.ptr, dwte.ptr, dwpe.ptr, ws.rowTokens.ptr, ws.rowPositions.ptr, rows.count, width);
}

function embedForwardScalar(x: Float32Array, wte: Float32Array, wpe: Float32Array, rows: BatchRows, width: number): void {
  for (let s = 0; s < rows.starts.length; s++) {
    const start = rows.starts[s]!;
    for (let t = 0; t < rows.lengths[s]!; t++) {
      const o = (start + t) * width;
      const te = rows.inputs[start + t]! * width;
      const pe = t * width;
      for (let i = 0; i < width; i++) x[o + i] = wte[te + i]! + wpe[pe + i]!;
    }
  }
}

function embedBackwardScalar(dwte: Float32Array, dwpe: Float32Array, dx: Float32Array, rows: BatchRows, width: number): void {
  for (let s = 0; s < rows.starts.length; s++) {
    const start = rows.starts[s]!;
    for (let t = 0; t < rows.lengths[s]!; t++) {
      const o = (start + t) * width;
      const te = rows.inputs[start + t]! * width;
      const pe = t * width;
      for (let i = 0; i < width; i++) {
        const d = dx[o + i]!;
        dwte[te + i] = dwte[te + i]! + d;
        dwpe[pe + i] = dwpe[pe + i]! + d;
      }
    }
  }
}
