/**
 * Training throughput of the engine on every backend that loads here: predicted tokens per second
 * of the AdamW inner loop on the default model (batch 8 × 64 tokens), plus the forward-only loss,
 * and a 4-layer width-128 model on the fastest backend that loads (the fast engine where there is no
 * GPU). Backends that do not load are listed with the reason. bench/fast-train.bench.ts compares
 * the fast engine with tfjs-wasm on larger models.
 */
import { availableBackends, releaseBackends, selectBackend } from '../trainer/engine/backends.ts';
import type { BackendName } from '../trainer/engine/backends.ts';
import { tfjsLoss } from '../trainer/engine/gpt.ts';
import { trainInner } from '../trainer/engine/train.ts';
import { initParams } from '../trainer/init.ts';
import { paramLayout } from '../trainer/layout.ts';
import type { ParamLayout } from '../trainer/layout.ts';
import { DEFAULT_MODEL_SPEC } from '../trainer/spec.ts';
import type { ModelSpec } from '../trainer/spec.ts';

const BATCH = 8;
const HYPER = { lr: 1e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1 } as const;
const TEXT = new TextEncoder().encode(
  'The Fulton County Grand Jury said Friday an investigation of recent primary election produced no evidence that any irregularities took place. '.repeat(8),
);

function batches(contextLength: number): (step: number) => Uint8Array[] {
  const span = TEXT.length - contextLength - 1;
  return (step) => Array.from({ length: BATCH }, (_, i) => {
    const start = (step * 131 + i * 977) % span;
    return TEXT.subarray(start, start + contextLength + 1);
  });
}

async function measure(layout: ParamLayout, steps: number): Promise<Record<string, number>> {
  const params = initParams(layout, new TextEncoder().encode('bench'));
  const source = batches(layout.spec.contextLength);
  await trainInner({ layout, params, batches: source, steps: 2, ...HYPER }); // warm-up: kernels, shaders
  const trained = await trainInner({ layout, params, batches: source, steps, ...HYPER });
  const evalBatch = source(0);
  await tfjsLoss(layout, params, evalBatch);
  const started = performance.now();
  const rounds = 5;
  for (let i = 0; i < rounds; i++) await tfjsLoss(layout, params, evalBatch);
  const seconds = (performance.now() - started) / 1000;
  return {
    trainTokensPerSecond: Math.round(trained.tokensPerSecond),
    msPerStep: Number(((BATCH * layout.spec.contextLength * 1000) / trained.tokensPerSecond).toFixed(1)),
    evalTokensPerSecond: Math.round((rounds * BATCH * layout.spec.contextLength) / seconds),
  };
}

export default async (): Promise<Record<string, unknown>> => {
  const statuses = await availableBackends();
  const defaultModel = paramLayout(DEFAULT_MODEL_SPEC);
  const results: Record<string, unknown> = {};
  const unavailable: Record<string, string> = {};
  for (const status of statuses) {
    if (status.status !== 'ready') {
      unavailable[status.name] = `${status.status}: ${status.reason ?? ''}`;
      continue;
    }
    const selected = await selectBackend(status.name);
    const steps = status.name === 'cpu' ? 4 : 20;
    results[status.name] = { description: selected.description, ...(await measure(defaultModel, steps)) };
  }
  const larger: ModelSpec = { ...DEFAULT_MODEL_SPEC, layers: 4, width: 128 };
  const fastest = (['gpu', 'webgpu', 'fast', 'tensorflow', 'wasm'] as BackendName[]).find((n) => n in results) ?? 'cpu';
  await selectBackend(fastest);
  const largerFigures = await measure(paramLayout(larger), 10);
  releaseBackends();
  return {
    model: { ...DEFAULT_MODEL_SPEC, parameters: defaultModel.total },
    batch: `${BATCH} × ${DEFAULT_MODEL_SPEC.contextLength} tokens`,
    backends: results,
    unavailable,
    [`layers4width128on${fastest}`]: { parameters: paramLayout(larger).total, ...largerFigures },
  };
};
