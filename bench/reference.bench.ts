/**
 * The reference evaluator's speed: tokens scored per second by referenceLoss (one core, the
 * WebAssembly SIMD product and the scalar one), on the default model and on a 4-layer,
 * width-128 model; initParams and prepareModel times; sampling speed.
 */
import { initParams } from '../trainer/init.ts';
import { paramLayout } from '../trainer/layout.ts';
import { createPrng } from '../trainer/prng.ts';
import { preparedLoss } from '../trainer/reference/loss.ts';
import { prepareModel } from '../trainer/reference/model.ts';
import { sampleText } from '../trainer/sample.ts';
import type { ModelSpec } from '../trainer/spec.ts';
import { DEFAULT_MODEL_SPEC } from '../trainer/spec.ts';

const seed = new TextEncoder().encode('bench');

/** Best of `repeats` timings of fn, in milliseconds (the least disturbed run). */
function bestMs(repeats: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

function batch(spec: ModelSpec, count: number): Uint8Array[] {
  const prng = createPrng(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: spec.contextLength + 1 }, () => prng.nextU32() & 0xff));
}

function measure(spec: ModelSpec): Record<string, number> {
  const layout = paramLayout(spec);
  const initMs = bestMs(3, () => initParams(layout, seed));
  const params = initParams(layout, seed);
  const prepareMs = bestMs(5, () => prepareModel(layout, params));
  const sequences = batch(spec, 16);
  const tokens = sequences.length * spec.contextLength;
  const figures: Record<string, number> = { parameters: layout.total, initParamsMs: round(initMs), prepareModelMs: round(prepareMs) };
  for (const kernel of ['auto', 'scalar'] as const) {
    const model = prepareModel(layout, params, { kernel });
    preparedLoss(model, sequences); // warm up the JIT
    const ms = bestMs(kernel === 'auto' ? 8 : 3, () => preparedLoss(model, sequences));
    figures[`tokensPerSecond_${model.kernel}`] = Math.round(tokens / (ms / 1000));
  }
  return figures;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export default async function (): Promise<Record<string, unknown>> {
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const params = initParams(layout, seed);
  const prompt = new TextEncoder().encode('The ');
  const sampleMs = bestMs(3, () => sampleText(layout, params, prompt, { length: 128, temperature: 1, seed }));
  return {
    defaultModel: measure(DEFAULT_MODEL_SPEC),
    fourLayersWidth128: measure({ ...DEFAULT_MODEL_SPEC, layers: 4, width: 128 }),
    sampleBytesPerSecond: Math.round(128 / (sampleMs / 1000)),
  };
}
