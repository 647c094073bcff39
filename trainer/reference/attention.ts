/**
 * Causal multi-head self-attention on packed q | k | v rows. Head h reads columns
 * h·hd … (h+1)·hd − 1 of each of q, k and v (hd = d / heads) and writes the same columns of the
 * output. For query t, over keys u = 0 … t:
 *
 *   s_u = (Σ_j q_t,j · k_u,j) · (1 / sqrt(hd))       (sum over j ascending, from 0)
 *   p_u = e_u / Σ_u' e_u',  e_u = exp(s_u − max s)  (the denominator summed over u' ascending)
 *   o_t,j = Σ_u p_u · v_u,j                          (sum over u ascending, from 0)
 *
 * The loops below work on four keys (then four output columns) at a time: four independent sums
 * instead of one long chain of dependent adds, which is what limits a scalar loop. Each sum is
 * still the one above, in the same order, so the blocking changes the speed and not the bits.
 */
import { exponentiateShifted } from './softmax.ts';

export function causalSelfAttention(
  out: Float64Array,
  qkv: Float64Array,
  rows: number,
  d: number,
  heads: number,
  scores: Float64Array,
): void {
  const hd = d / heads;
  const stride = 3 * d;
  const scale = 1 / Math.sqrt(hd);
  for (let h = 0; h < heads; h++) {
    const qCol = h * hd;
    const kCol = d + h * hd;
    const vCol = 2 * d + h * hd;
    for (let t = 0; t < rows; t++) {
      const max = attentionScores(scores, qkv, t * stride + qCol, kCol, t + 1, hd, stride, scale);
      const total = exponentiateShifted(scores, 0, t + 1, max);
      for (let u = 0; u <= t; u++) scores[u] = scores[u]! / total;
      weightedValues(out, t * d + qCol, scores, qkv, vCol, t + 1, hd, stride);
    }
  }
}

/** scores[u] = s_u for u < keys; returns max s (−∞ if every s is NaN). */
function attentionScores(
  scores: Float64Array,
  qkv: Float64Array,
  q: number,
  kCol: number,
  keys: number,
  hd: number,
  stride: number,
  scale: number,
): number {
  let max = -Infinity;
  let u = 0;
  for (; u + 4 <= keys; u += 4) {
    const k0 = u * stride + kCol;
    const k1 = k0 + stride;
    const k2 = k1 + stride;
    const k3 = k2 + stride;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let j = 0; j < hd; j++) {
      const qj = qkv[q + j]!;
      a0 += qj * qkv[k0 + j]!;
      a1 += qj * qkv[k1 + j]!;
      a2 += qj * qkv[k2 + j]!;
      a3 += qj * qkv[k3 + j]!;
    }
    const s0 = a0 * scale;
    const s1 = a1 * scale;
    const s2 = a2 * scale;
    const s3 = a3 * scale;
    scores[u] = s0;
    scores[u + 1] = s1;
    scores[u + 2] = s2;
    scores[u + 3] = s3;
    if (s0 > max) max = s0;
    if (s1 > max) max = s1;
    if (s2 > max) max = s2;
    if (s3 > max) max = s3;
  }
  for (; u < keys; u++) {
    const k = u * stride + kCol;
    let dot = 0;
    for (let j = 0; j < hd; j++) dot += qkv[q + j]! * qkv[k + j]!;
    const s = dot * scale;
    scores[u] = s;
    if (s > max) max = s;
  }
  return max;
}

/** out[o + j] = Σ_{u < keys} p[u] · v_u,j for j < hd. */
function weightedValues(
  out: Float64Array,
  o: number,
  p: Float64Array,
  qkv: Float64Array,
  vCol: number,
  keys: number,
  hd: number,
  stride: number,
): void {
  let j = 0;
  for (; j + 4 <= hd; j += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let u = 0, v = vCol + j; u < keys; u++, v += stride) {
      const pu = p[u]!;
      a0 += pu * qkv[v]!;
      a1 += pu * qkv[v + 1]!;
      a2 += pu * qkv[v + 2]!;
      a3 += pu * qkv[v + 3]!;
    }
    out[o + j] = a0;
    out[o + j + 1] = a1;
    out[o + j + 2] = a2;
    out[o + j + 3] = a3;
  }
  for (; j < hd; j++) {
    let acc = 0;
    for (let u = 0, v = vCol + j; u < keys; u++, v += stride) acc += p[u]! * qkv[v]!;
    out[o + j] = acc;
  }
}
