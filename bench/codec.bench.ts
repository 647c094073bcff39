/**
 * The pseudo-gradient codec at the default model (120,576 parameters, chunks of 1024, top-16) and
 * at a larger one: bytes per contribution, ratio against dense float32, and milliseconds to encode,
 * decode (with every validity check), apply sparsely, and compress with error feedback.
 */
import { paramLayout } from '../trainer/layout.ts';
import { DEFAULT_MODEL_SPEC } from '../trainer/spec.ts';
import type { ModelSpec } from '../trainer/spec.ts';
import {
  DEFAULT_CODEC_OPTIONS,
  applySparse,
  decodePseudoGradient,
  encodePseudoGradient,
  maxPayloadBytes,
} from '../trainer/codec.ts';
import { ErrorFeedback } from '../trainer/error-feedback.ts';

/** A delta shaped like a trained one: roughly normal values of assorted scales (seeded). */
function syntheticDelta(total: number): Float32Array {
  let s = 0x2545f491;
  const uniform = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const v = new Float32Array(total);
  for (let i = 0; i < total; i++) v[i] = (uniform() + uniform() + uniform() - 1.5) * 1e-3 * (1 + 9 * uniform() ** 8);
  return v;
}

/** Median milliseconds of `runs` calls after two warm-up calls. */
function timeMs(runs: number, f: () => void): number {
  f();
  f();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    f();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(runs / 2)]!.toFixed(3));
}

function measure(spec: ModelSpec, runs: number): Record<string, unknown> {
  const total = paramLayout(spec).total;
  const o = DEFAULT_CODEC_OPTIONS;
  const delta = syntheticDelta(total);
  const { payload } = encodePseudoGradient(delta, o);
  const expect = { total, ...o, maxBytes: maxPayloadBytes(total, o) };
  const decoded = decodePseudoGradient(payload, expect);
  const params = new Float32Array(total);
  const ef = new ErrorFeedback(total);
  return {
    parameters: total,
    chunkSize: o.chunkSize,
    topK: o.topK,
    payloadBytes: payload.length,
    maxPayloadBytes: expect.maxBytes,
    denseBytes: total * 4,
    ratio: Number(((total * 4) / payload.length).toFixed(1)),
    entriesSent: decoded.indices.length,
    encodeMs: timeMs(runs, () => encodePseudoGradient(delta, o)),
    decodeMs: timeMs(runs, () => decodePseudoGradient(payload, expect)),
    applySparseMs: timeMs(runs, () => applySparse(params, decoded, -0.1)),
    errorFeedbackCompressMs: timeMs(runs, () => ef.compress(delta, o)),
  };
}

export default async (): Promise<Record<string, unknown>> => ({
  defaultModel: measure(DEFAULT_MODEL_SPEC, 50),
  model6x256: measure({ ...DEFAULT_MODEL_SPEC, layers: 6, width: 256, heads: 8, contextLength: 256 }, 10),
});
