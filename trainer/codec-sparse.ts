/**
 * Using a decoded pseudo-gradient without a dense copy. The arithmetic is spelled out (float64
 * evaluation, one rounding to float32, index order) because consensus applies contributions with it.
 */
import { invalid } from './codec-format.ts';
import type { DecodedGradient } from './codec-format.ts';

/** The dense float32 vector of `total` parameters: zeros except the payload's entries. */
export function densify(decoded: DecodedGradient, total: number): Float32Array {
  if (total !== decoded.total) invalid(`the gradient has ${decoded.total} parameters, not ${total}`);
  const dense = new Float32Array(total);
  for (let j = 0; j < decoded.indices.length; j++) dense[decoded.indices[j]!] = decoded.values[j]!;
  return dense;
}

/** target[i] ← fround(target[i] + factor · v) for each entry (i, v), in index order. */
export function applySparse(target: Float32Array, decoded: DecodedGradient, factor: number): void {
  if (target.length !== decoded.total) invalid(`target has ${target.length} parameters, the gradient ${decoded.total}`);
  if (!Number.isFinite(factor)) invalid(`factor must be finite, got ${factor}`);
  const { indices, values } = decoded;
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j]!;
    target[i] = Math.fround(target[i]! + factor * values[j]!);
  }
}

/** Σ v² over the entries, in float64, in index order (for norms and clipping). */
export function payloadNormSquared(decoded: DecodedGradient): number {
  let sum = 0;
  for (let j = 0; j < decoded.values.length; j++) sum += decoded.values[j]! * decoded.values[j]!;
  return sum;
}
