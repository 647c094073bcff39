/**
 * Before the engine trusts the fast trainer on this machine it runs one tiny model (2 layers,
 * width 16, odd shapes so the JavaScript edges of the matrix kernel run too) forward and backward
 * and checks the loss against the reference evaluator and a few gradient entries against central
 * finite differences of that evaluator. A WebAssembly engine that miscompiles a SIMD instruction,
 * or a kernel bug, shows up here as a wrong number rather than as a slowly diverging chain.
 */
import { paramLayout } from '../layout.ts';
import { referenceLoss } from '../reference/loss.ts';
import type { ModelSpec } from '../spec.ts';
import { fastGradient } from './train.ts';

const SPEC: ModelSpec = { vocabSize: 256, contextLength: 12, layers: 2, width: 16, heads: 2, tiedEmbeddings: true };
const LOSS_TOLERANCE = 1e-5;
const GRADIENT_TOLERANCE = 2e-2;
/** Parameters whose gradient is compared: a spread over every kind of tensor. */
const PROBES = 24;

/** Deterministic small parameters (no PRNG needed: a fixed trigonometric pattern). */
function checkParams(total: number): Float32Array {
  const params = new Float32Array(total);
  for (let i = 0; i < total; i++) params[i] = 0.2 * Math.sin(i * 0.7 + 0.3) + (i % 7 === 0 ? 0.5 : 0);
  return params;
}

/** Returns null when the engine computes correctly here, else what is wrong. */
export function fastSelfCheck(): string | null {
  const layout = paramLayout(SPEC);
  const params = checkParams(layout.total);
  const text = new TextEncoder().encode('the self-check of the fast engine');
  const sequences = [text.subarray(0, 13), text.subarray(5, 15), text.subarray(9, 22)];
  const reference = referenceLoss(layout, params, sequences);
  const { loss, grads } = fastGradient(layout, params, sequences);
  if (!(Math.abs(loss - reference) <= LOSS_TOLERANCE * Math.abs(reference))) {
    return `loss ${loss} differs from the reference evaluator's ${reference}`;
  }
  const probe = Float32Array.from(params);
  for (let p = 0; p < PROBES; p++) {
    const i = Math.floor(((p + 0.5) / PROBES) * layout.total);
    const h = 1e-2 * Math.max(1, Math.abs(params[i]!));
    probe[i] = params[i]! + h;
    const up = referenceLoss(layout, probe, sequences);
    probe[i] = params[i]! - h;
    const down = referenceLoss(layout, probe, sequences);
    probe[i] = params[i]!;
    const numeric = (up - down) / (Math.fround(params[i]! + h) - Math.fround(params[i]! - h));
    if (Math.abs(grads[i]! - numeric) > GRADIENT_TOLERANCE * Math.max(1e-2, Math.abs(numeric))) {
      return `gradient of parameter ${i} is ${grads[i]}, finite differences give ${numeric}`;
    }
  }
  return null;
}
