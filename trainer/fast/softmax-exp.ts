/**
 * p[i] ← e^{(p[i] − shift)·scale} for i in [from, from + count) of the arena, returning their
 * sum: the SIMD kernel on whole groups of four, the polynomial of exp.ts on the rest.
 */
import type { Workspace } from './workspace.ts';
import { expNonPositive } from './exp.ts';

export function exponentiate(ws: Workspace, from: number, count: number, shift: number, scale: number): number {
  const f32 = ws.arena.f32;
  const whole = count - (count % 4);
  let sum = 0;
  if (whole > 0) {
    ws.kernels.expShifted(from * 4, whole, shift, scale, ws.sumOut.ptr);
    sum = ws.sumOut.view[0]!;
  }
  for (let i = from + whole; i < from + count; i++) {
    const e = expNonPositive((f32[i]! - shift) * scale);
    f32[i] = e;
    sum += e;
  }
  return sum;
}
