/**
 * Token plus position embedding, forward and backward (llm.c's encoder_forward/backward). The two
 * walk the rows the same way on purpose, as llm.c's pairs do: each reads top to bottom as the math
 * of its direction, with no shared iterator to look up.
 */
import type { BatchRows } from './batch-rows.ts';

/** x[row] = wte[token] + wpe[position] for every row of every sequence. */
export function embedForward(x: Float32Array, wte: Float32Array, wpe: Float32Array, rows: BatchRows, width: number): void {
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

/** dwte[token] += dx[row], dwpe[position] += dx[row]. */
export function embedBackward(dwte: Float32Array, dwpe: Float32Array, dx: Float32Array, rows: BatchRows, width: number): void {
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
