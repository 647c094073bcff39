import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { initParams } from '../../trainer/init.ts';
import type { ParamLayout } from '../../trainer/layout.ts';
import { paramLayout, tensorView } from '../../trainer/layout.ts';
import { EvaluatorError } from '../../trainer/reference/errors.ts';
import { preparedLoss, referenceLogits, referenceLoss } from '../../trainer/reference/loss.ts';
import { log } from '../../trainer/reference/math.ts';
import { prepareModel } from '../../trainer/reference/model.ts';
import { naiveLogits, naiveLoss } from '../util/plain-gpt.ts';
import type { ModelSpec } from '../../trainer/spec.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const bitsHex = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
};

const layout = paramLayout(DEFAULT_MODEL_SPEC);
const params = initParams(layout, utf8('gradientcoin-test'));
const SEQUENCES = [
  utf8('The quick brown fox jumps over the lazy dog.'),
  utf8('GradientCoin: a proof-of-work chain that trains a shared byte-level GPT, block by block.').slice(0, 65),
  Uint8Array.from({ length: 17 }, (_, i) => (i * 37 + 11) & 255),
];

/** A small model with every tensor nonzero, so no part of the architecture hides behind zeros. */
function scrambled(spec: ModelSpec, seed: string): { lay: ParamLayout; p: Float32Array } {
  const lay = paramLayout(spec);
  const p = initParams(lay, utf8(seed));
  for (let i = 0; i < p.length; i++) p[i] = p[i]! * 10 + Math.sin(i * 0.37) * 0.1;
  return { lay, p };
}

test('golden: loss of the seeded default model on three fixed sequences', () => {
  const loss = referenceLoss(layout, params, SEQUENCES);
  assert.equal(bitsHex(loss), '40162d608fc1f947');
});

test('a fresh model knows nothing: its loss is close to ln 256', () => {
  const loss = referenceLoss(layout, params, SEQUENCES);
  assert.ok(Math.abs(loss - Math.log(256)) < 0.05, `loss ${loss}`);
});

test('all-zero parameters predict the uniform distribution: loss is log(256)', () => {
  const zeros = new Float32Array(layout.total);
  assert.equal(referenceLoss(layout, zeros, [Uint8Array.of(3, 4)]), log(256));
  assert.ok(Math.abs(referenceLoss(layout, zeros, SEQUENCES) - log(256)) < 1e-14);
});

test('the fast evaluator computes the described architecture (against a plain implementation)', () => {
  const specs: ModelSpec[] = [
    DEFAULT_MODEL_SPEC,
    { vocabSize: 256, contextLength: 9, layers: 3, width: 12, heads: 3, tiedEmbeddings: false },
    { vocabSize: 256, contextLength: 7, layers: 1, width: 10, heads: 2, tiedEmbeddings: true },
  ];
  for (const spec of specs) {
    const { lay, p } = scrambled(spec, `arch-${spec.width}`);
    const seqs = [utf8('Hello, world! Hello, world! 0123456789').subarray(0, spec.contextLength + 1), Uint8Array.of(7, 250, 3)];
    const fast = referenceLoss(lay, p, seqs);
    const plain = naiveLoss(lay, p, seqs);
    // float32 activations: each value carries a relative rounding of 2⁻²⁴ ≈ 6e-8 per operation.
    assert.ok(Math.abs(fast - plain) <= 2e-6 * Math.abs(plain), `${JSON.stringify(spec)}: ${fast} vs ${plain}`);
    const input = seqs[0]!.subarray(0, spec.contextLength);
    const logits = referenceLogits(lay, p, input);
    const plainLogits = naiveLogits(lay, p, input).flat();
    assert.equal(logits.length, plainLogits.length);
    // Rounding scales with the largest values a logit is summed from, not with the logit itself;
    // these scrambled weights make activations and attention scores large, which amplifies it.
    const scale = 1 + Math.max(...plainLogits.map(Math.abs));
    for (let i = 0; i < logits.length; i++) {
      assert.ok(Math.abs(logits[i]! - plainLogits[i]!) < 1e-4 * scale, `logit ${i}: ${logits[i]} vs ${plainLogits[i]} (scale ${scale})`);
    }
  }
});

test('the scalar and WebAssembly paths give the same bits', () => {
  // Head widths 16, 3 and 12: attention's SIMD kernel whole, not at all, and with a scalar rest.
  const specs: ModelSpec[] = [
    DEFAULT_MODEL_SPEC,
    { vocabSize: 256, contextLength: 6, layers: 2, width: 9, heads: 3, tiedEmbeddings: false },
    { vocabSize: 256, contextLength: 11, layers: 1, width: 24, heads: 2, tiedEmbeddings: true },
  ];
  for (const spec of specs) {
    const { lay, p } = scrambled(spec, 'paths');
    const seqs = [...SEQUENCES.map((s) => s.subarray(0, Math.min(s.length, spec.contextLength + 1))), Uint8Array.of(1, 2)];
    const fast = prepareModel(lay, p);
    const slow = prepareModel(lay, p, { kernel: 'scalar' });
    assert.equal(fast.kernel, 'wasm-simd');
    assert.equal(slow.kernel, 'scalar');
    assert.equal(bitsHex(preparedLoss(fast, seqs)), bitsHex(preparedLoss(slow, seqs)));
  }
});

test('attention is causal: a byte changes no logits before its position', () => {
  const a = utf8('causal attention, seen from the left');
  const b = Uint8Array.from(a);
  b[20] = 0x21;
  const la = referenceLogits(layout, params, a);
  const lb = referenceLogits(layout, params, b);
  const v = DEFAULT_MODEL_SPEC.vocabSize;
  assert.deepEqual(la.subarray(0, 20 * v), lb.subarray(0, 20 * v));
  assert.notDeepEqual(la.subarray(20 * v, 21 * v), lb.subarray(20 * v, 21 * v));
});

test('a prefix scores the same alone and inside a longer input', () => {
  const long = utf8('prefixes keep their logits when more text follows');
  const short = long.subarray(0, 10);
  const v = DEFAULT_MODEL_SPEC.vocabSize;
  assert.deepEqual(referenceLogits(layout, params, short), referenceLogits(layout, params, long).subarray(0, 10 * v));
});

test('the batch loss is the mean over all predicted positions', () => {
  const losses = SEQUENCES.map((s) => referenceLoss(layout, params, [s]));
  const counts = SEQUENCES.map((s) => s.length - 1);
  const mean = losses.reduce((a, l, i) => a + l * counts[i]!, 0) / counts.reduce((a, c) => a + c, 0);
  const batch = referenceLoss(layout, params, SEQUENCES);
  assert.ok(Math.abs(batch - mean) < 1e-13);
  // Order matters only to the last bits, and it is fixed: the same order gives the same bits.
  assert.equal(referenceLoss(layout, params, SEQUENCES), batch);
});

test('a model built to copy its input predicts repeats and not alternations', () => {
  // Blocks that add nothing, so logits = LN(wte[byte])·wteᵀ, largest for the byte itself.
  const spec: ModelSpec = { vocabSize: 256, contextLength: 16, layers: 1, width: 32, heads: 2, tiedEmbeddings: true };
  const lay = paramLayout(spec);
  const p = new Float32Array(lay.total);
  tensorView(lay, p, 'lnf.g').fill(1);
  tensorView(lay, p, 'h0.ln1.g').fill(1);
  tensorView(lay, p, 'h0.ln2.g').fill(1);
  const wte = tensorView(lay, p, 'wte');
  wte.set(tensorView(lay, initParams(lay, utf8('copy')), 'wte').map((v) => v * 100));
  const same = referenceLoss(lay, p, [new Uint8Array(17).fill(65)]);
  const different = referenceLoss(lay, p, [Uint8Array.from({ length: 17 }, (_, i) => 65 + (i % 2))]);
  assert.ok(same < 1, `copying loss ${same}`);
  assert.ok(different > same + 2, `alternating loss ${different}`);
});

test('bad inputs throw typed errors', () => {
  const code = (fn: () => unknown, expected: string): void =>
    assert.throws(fn, (e: unknown) => e instanceof EvaluatorError && e.code === expected);
  code(() => referenceLoss(layout, params, []), 'empty-batch');
  code(() => referenceLoss(layout, params, [Uint8Array.of(1)]), 'sequence-length');
  code(() => referenceLoss(layout, params, [new Uint8Array(66)]), 'sequence-length');
  code(() => referenceLoss(layout, params.subarray(1), SEQUENCES), 'param-count');
  code(() => referenceLogits(layout, params, new Uint8Array(0)), 'sequence-length');
  code(() => referenceLogits(layout, params, new Uint8Array(65)), 'sequence-length');
  assert.throws(() => referenceLoss(layout, params, [Uint8Array.of(1)]), /sequence 0 has 1 bytes, needs 2 to 65/);
});

test('any bytes of any allowed length give a finite positive loss; other lengths a typed error', () => {
  const spec: ModelSpec = { ...DEFAULT_MODEL_SPEC, contextLength: 12 };
  const lay = paramLayout(spec);
  const model = prepareModel(lay, initParams(lay, utf8('property')));
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 16 }), { minLength: 1, maxLength: 4 }), (seqs) => {
      const valid = seqs.every((s) => s.length >= 2 && s.length <= 13);
      if (valid) {
        const loss = preparedLoss(model, seqs);
        assert.ok(Number.isFinite(loss) && loss > 0);
      } else {
        assert.throws(() => preparedLoss(model, seqs), EvaluatorError);
      }
    }),
    { numRuns: 60 },
  );
});
