/**
 * The loss curve with compressed pseudo-gradients against dense ones. One contributor, R rounds:
 * each round trains H AdamW steps on Brown text from the current model, and the model moves by
 * the pseudo-gradient, either dense (θ ← θ − Δ) or through the codec with error feedback
 * (θ ← θ − decode(payload)). Both runs see the same batches; held-out loss after every round.
 */
import { selectBackend } from '../trainer/engine/backends.ts';
import { pseudoGradient, trainInner } from '../trainer/engine/train.ts';
import { loadBrownCorpus } from '../trainer/io/corpus-loader.ts';
import { createDataset } from '../trainer/pages.ts';
import { trainingBatch, evalWindows } from '../trainer/windows.ts';
import { createPrng } from '../trainer/prng.ts';
import { initParams } from '../trainer/init.ts';
import { paramLayout } from '../trainer/layout.ts';
import { DEFAULT_MODEL_SPEC } from '../trainer/spec.ts';
import { referenceLoss } from '../trainer/reference/index.ts';
import { ErrorFeedback } from '../trainer/error-feedback.ts';
import { DEFAULT_CODEC_OPTIONS, applySparse, decodePseudoGradient } from '../trainer/codec.ts';

const ROUNDS = 12;
const STEPS = 20;
const HYPER = { lr: 3e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1 } as const;

export default async function bench(): Promise<Record<string, unknown>> {
  await selectBackend('wasm');
  const layout = paramLayout(DEFAULT_MODEL_SPEC);
  const dataset = createDataset(await loadBrownCorpus());
  const heldOut = Array.from({ length: 16 }, (_, j) => evalWindows(dataset.heldOutPage(j), 64, 4)).flat();
  const pages = Array.from({ length: 64 }, (_, j) => dataset.trainingPage(j * 7));
  const start = initParams(layout, new TextEncoder().encode('compression-bench'));
  let dense = start;
  let compressed = start;
  const feedback = new ErrorFeedback(layout.total);
  const curve: { round: number; dense: number; compressed: number }[] = [];
  let payloadBytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const batchesFor = (): ((step: number) => Uint8Array[]) => {
      const prng = createPrng(new TextEncoder().encode(`round-${round}`));
      return () => trainingBatch(pages, 64, 8, () => prng.nextU32());
    };
    const d = await trainInner({ layout, params: dense, batches: batchesFor(), steps: STEPS, ...HYPER });
    const dd = pseudoGradient(dense, d.params);
    dense = dense.map((v, i) => Math.fround(v - dd[i]!));
    const c = await trainInner({ layout, params: compressed, batches: batchesFor(), steps: STEPS, ...HYPER });
    const payload = feedback.compress(pseudoGradient(compressed, c.params), DEFAULT_CODEC_OPTIONS);
    payloadBytes = payload.length;
    const decoded = decodePseudoGradient(payload, { total: layout.total, ...DEFAULT_CODEC_OPTIONS, maxBytes: 1 << 20 });
    compressed = new Float32Array(compressed);
    applySparse(compressed, decoded, -1);
    curve.push({ round: round + 1, dense: referenceLoss(layout, dense, heldOut), compressed: referenceLoss(layout, compressed, heldOut) });
  }
  const last = curve.at(-1)!;
  return {
    rounds: ROUNDS,
    innerSteps: STEPS,
    heldOutWindows: heldOut.length,
    startLoss: referenceLoss(layout, start, heldOut),
    finalDense: last.dense,
    finalCompressed: last.compressed,
    compressedOverDensePercent: Math.round((last.compressed / last.dense - 1) * 10_000) / 100,
    payloadBytes,
    ratio: Math.round(((layout.total * 4) / payloadBytes) * 10) / 10,
    curve,
  };
}
