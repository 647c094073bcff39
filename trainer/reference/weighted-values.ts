/**
 * Attention's weighted values o_j = Σ_u p_u · v_u,j (u ascending, from +0, every product and sum
 * rounded to float32) for one query and one head, in plain JavaScript: the definition (part of
 * attention.ts's attendRowsScalar), which attention-kernel.ts computes bit for bit.
 */
const f = Math.fround;

/**
 * out[o + j] = Σ_{u < keys} p[u] · v_u,j for j < hd, v_u,j = qkv[vCol + u·stride + j]:
 * the definition. It works on four output columns at a time (four independent sums instead of
 * one chain of dependent adds, each still summed in u order from +0).
 */
export function weightedValuesScalar(
  out: Float32Array,
  o: number,
  p: Float32Array,
  qkv: Float32Array,
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
      a0 = f(a0 + f(pu * qkv[v]!));
      a1 = f(a1 + f(pu * qkv[v + 1]!));
      a2 = f(a2 + f(pu * qkv[v + 2]!));
      a3 = f(a3 + f(pu * qkv[v + 3]!));
    }
    out[o + j] = a0;
    out[o + j + 1] = a1;
    out[o + j + 2] = a2;
    out[o + j + 3] = a3;
  }
  for (; j < hd; j++) {
    let acc = 0;
    for (let u = 0, v = vCol + j; u < keys; u++, v += stride) acc = f(acc + f(p[u]! * qkv[v]!));
    out[o + j] = acc;
  }
}
