/**
 * Deterministic initialisation (nanoGPT's scheme): embeddings and weight matrices N(0, 0.02²);
 * the two projections that write into the residual stream (attn.wo, mlp.wproj) N(0, σ²) with
 * σ = 0.02/sqrt(2·layers), so that the stream's variance does not grow with depth; biases 0;
 * LayerNorm gains 1 and biases 0.
 *
 * Each tensor draws from its own generator, seeded by BLAKE3 over the seed and the tensor's name,
 * so a tensor's values depend only on (seed, name, size): adding a tensor to the layout, or
 * initialising tensors in another order, leaves the others' values as they were.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { ParamLayout, TensorSlot } from './layout.ts';
import { createPrng } from './prng.ts';

const INIT_DOMAIN = utf8ToBytes('gradientcoin/init/v1');

export const INIT_STD = 0.02;

/** Names of the matrices that add into the residual stream and get the depth-scaled std. */
function isResidualProjection(name: string): boolean {
  return name.endsWith('.attn.wo') || name.endsWith('.mlp.wproj');
}

/** The standard deviation a tensor is drawn with, or null for constant tensors. */
export function initStd(layout: ParamLayout, slot: TensorSlot): number | null {
  if (slot.kind !== 'matrix' && slot.kind !== 'embedding') return null;
  if (isResidualProjection(slot.name)) return INIT_STD / Math.sqrt(2 * layout.spec.layers);
  return INIT_STD;
}

/** BLAKE3(domain ‖ u32le(seed length) ‖ seed ‖ utf8(name)): the length keeps seed and name apart. */
function tensorSeed(seed: Uint8Array, name: string): Uint8Array {
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, seed.length, true);
  return blake3(concatBytes(INIT_DOMAIN, length, seed, utf8ToBytes(name)));
}

export function initParams(layout: ParamLayout, seed: Uint8Array): Float32Array {
  const params = new Float32Array(layout.total);
  for (const slot of layout.tensors) {
    const out = params.subarray(slot.offset, slot.offset + slot.size);
    if (slot.kind === 'norm-gain') {
      out.fill(1);
      continue;
    }
    const std = initStd(layout, slot);
    if (std === null) continue; // biases stay 0
    const prng = createPrng(tensorSeed(seed, slot.name));
    for (let i = 0; i < out.length; i++) out[i] = std * prng.gaussian();
  }
  return params;
}
