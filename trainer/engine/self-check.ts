/**
 * A backend that loads is not yet a backend that computes: a GPU driver can hand back zeros, a
 * software adapter can miss a kernel, and a gradient kernel can be absent (wasm has no
 * UnsortedSegmentSum). Before the engine trusts a backend it runs one tiny forward and backward
 * pass through the same kinds of kernels the GPT uses (batched matMul, tanh, logSoftmax,
 * reductions, their gradients) and compares value and gradient with a float64 computation here.
 */
import * as tf from '@tensorflow/tfjs';
import { describeThrown } from './errors.ts';

const X = [
  [0.5, -1.0, 2.0],
  [1.5, 0.25, -0.75],
];
const W = [
  [0.1, -0.2, 0.3, 0.05],
  [-0.4, 0.25, 0.15, -0.1],
  [0.2, 0.1, -0.3, 0.35],
];
const C = [
  [1.0, -0.5, 0.25, 2.0],
  [-1.5, 0.75, 0.5, -0.25],
];
const TOLERANCE = 1e-4;
const TIMEOUT_MS = 30_000;

/** f(w) = Σ c ⊙ tanh(z) − Σ_rows logSoftmax(z)[row, 0], z = x·w; and df/dw. */
function expected(): { value: number; grad: number[] } {
  const rows = X.length;
  const inner = W.length;
  const cols = W[0]!.length;
  let value = 0;
  const dz: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const z: number[] = [];
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let k = 0; k < inner; k++) s += X[r]![k]! * W[k]![c]!;
      z.push(s);
    }
    const max = Math.max(...z);
    const sumExp = z.reduce((a, v) => a + Math.exp(v - max), 0);
    const logZ = max + Math.log(sumExp);
    value -= z[0]! - logZ;
    const row: number[] = [];
    for (let c = 0; c < cols; c++) {
      const t = Math.tanh(z[c]!);
      value += C[r]![c]! * t;
      const softmax = Math.exp(z[c]! - logZ);
      row.push(C[r]![c]! * (1 - t * t) + softmax - (c === 0 ? 1 : 0));
    }
    dz.push(row);
  }
  const grad: number[] = [];
  for (let k = 0; k < inner; k++) {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += X[r]![k]! * dz[r]![c]!;
      grad.push(s);
    }
  }
  return { value, grad };
}

async function measured(): Promise<{ value: number; grad: Float32Array }> {
  const x = tf.tensor3d([X], [1, 2, 3]);
  const w = tf.tensor3d([W], [1, 3, 4]);
  const c = tf.tensor2d(C);
  const first = tf.tensor2d([[1, 0, 0, 0], [1, 0, 0, 0]]);
  const f = (wt: tf.Tensor): tf.Scalar => {
    const z = tf.reshape(tf.matMul(x, wt), [2, 4]);
    return tf.sub(tf.sum(tf.mul(c, tf.tanh(z))), tf.sum(tf.mul(first, tf.logSoftmax(z))));
  };
  const { value, grad } = tf.valueAndGrad(f)(w);
  try {
    return { value: (await value.data())[0]!, grad: (await grad.data()) as Float32Array };
  } finally {
    tf.dispose([x, w, c, first, value, grad]);
  }
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(b));
}

/** Runs on tfjs' current backend; returns null when it computes correctly, else why not. */
export async function selfCheck(): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`self-check did not finish within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
    timer.unref();
  });
  const check = (async (): Promise<string | null> => {
    const want = expected();
    const got = await measured();
    if (!close(got.value, want.value)) return `self-check value ${got.value} differs from ${want.value}`;
    for (let i = 0; i < want.grad.length; i++) {
      if (!close(got.grad[i]!, want.grad[i]!)) {
        return `self-check gradient[${i}] ${got.grad[i]} differs from ${want.grad[i]}`;
      }
    }
    return null;
  })().catch((err: unknown) => `self-check threw: ${describeThrown(err)}`);
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
