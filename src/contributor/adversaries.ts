/**
 * Dishonest contributors, for tests, benchmarks and the testnet launcher: each takes the honest
 * contributor's options (plus what its trick needs) and returns a signed contribution, so any of
 * them can stand where an honest one would. What the Gauntlet does to each is in
 * docs/contributors.md; in short:
 *
 *   noise        random Gaussian Δ: no training at all. Scores about 0, either sign.
 *   copycat      another contributor's payload, re-signed with its own key. Scores what the
 *                original scores, but its own pages are not the ones the payload was trained on,
 *                so its indicator is a coin toss and its binary moving average stays near 0.
 *   free-rider   a zero (or tiny) Δ: claims a share for no work. Scores 0 (or about 0).
 *   scaled       an honest Δ × 100: tries to dominate the average. The trial step overshoots and
 *                the score is very negative; if it were aggregated, the median clip would cut it.
 *   stale        an honest Δ, signed for another parent (a late or lazy contributor). The pool
 *                and every block filter it out: it is never scored.
 *   poisoner     gradient ascent: −Δ of honest training. Raises the loss; scores below 0.
 *   wrong-pages  honest training, but on another contributor's pages (cheaper to share work, or
 *                to train on whatever is at hand). Scores like honest work on the random pages,
 *                but does not beat them on its own pages: its indicator is a coin toss.
 */
import type { Contribution } from '../../consensus/types.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { createPrng } from '../../trainer/prng.ts';
import { contribute, honestDelta, sealContribution, type ContributeOptions } from './honest.ts';
import { batchSeed, codecOptionsOf, signPayload } from './local-training.ts';

export const ADVERSARY_KINDS = ['noise', 'copycat', 'free-rider', 'scaled', 'stale', 'poisoner', 'wrong-pages'] as const;
export type AdversaryKind = (typeof ADVERSARY_KINDS)[number];

export interface AdversaryOptions extends ContributeOptions {
  /** noise, free-rider: standard deviation of each Δ entry (noise: default lr; free-rider: default 0, a zero Δ). */
  readonly std?: number;
  /** copycat: the contribution whose payload it re-signs. */
  readonly victim?: Contribution;
  /** scaled: the factor on an honest Δ (default 100); poisoner: on −Δ (default 1). */
  readonly factor?: number;
  /** stale: the parent it builds on instead of `parentHash`, with that parent's model. */
  readonly staleParent?: { readonly hash: Uint8Array; readonly model: Float32Array };
  /** wrong-pages: the public key whose assigned pages it trains on. */
  readonly pagesOf?: Uint8Array;
}

/** Seeded Gaussian noise: the seed names the contributor and the parent, so runs repeat. */
function gaussian(total: number, std: number, seed: Uint8Array): Float32Array {
  const delta = new Float32Array(total);
  if (std === 0) return delta;
  const prng = createPrng(seed);
  for (let i = 0; i < total; i++) delta[i] = std * prng.gaussian();
  return delta;
}

function signed(opts: AdversaryOptions, delta: Float32Array): Contribution {
  // No error feedback: these contributors have nothing to carry over.
  const { payload } = encodePseudoGradient(delta, codecOptionsOf(opts.params));
  return signPayload(opts.params, opts.keyPair, opts.parentHash, payload);
}

function scaled(delta: Float32Array, factor: number): Float32Array {
  return delta.map((v) => v * factor);
}

export function noiseContribution(opts: AdversaryOptions): Contribution {
  const seed = batchSeed(opts.parentHash, opts.keyPair.publicKey);
  return signed(opts, gaussian(opts.model.length, opts.std ?? opts.lr, seed));
}

export function copycatContribution(opts: AdversaryOptions): Contribution {
  if (!opts.victim) throw new TypeError('a copycat needs a victim contribution');
  return signPayload(opts.params, opts.keyPair, opts.parentHash, opts.victim.payload);
}

export function freeRiderContribution(opts: AdversaryOptions): Contribution {
  const seed = batchSeed(opts.parentHash, opts.keyPair.publicKey);
  return signed(opts, gaussian(opts.model.length, opts.std ?? 0, seed));
}

export async function scaledContribution(opts: AdversaryOptions): Promise<Contribution> {
  return signed(opts, scaled(await honestDelta(opts), opts.factor ?? 100));
}

export async function staleContribution(opts: AdversaryOptions): Promise<Contribution> {
  if (!opts.staleParent) throw new TypeError('a stale contributor needs the parent it builds on');
  return contribute({ ...opts, parentHash: opts.staleParent.hash, model: opts.staleParent.model });
}

export async function poisonerContribution(opts: AdversaryOptions): Promise<Contribution> {
  return sealContribution(opts, scaled(await honestDelta(opts), -(opts.factor ?? 1)));
}

/** The honest recipe run for another key's assignment, judged windows included. */
export async function wrongPagesContribution(opts: AdversaryOptions): Promise<Contribution> {
  if (!opts.pagesOf) throw new TypeError('a wrong-pages contributor needs the key whose pages it takes');
  return sealContribution(opts, await honestDelta(opts, opts.pagesOf));
}

const ADVERSARIES: Readonly<Record<AdversaryKind, (opts: AdversaryOptions) => Contribution | Promise<Contribution>>> = {
  noise: noiseContribution,
  copycat: copycatContribution,
  'free-rider': freeRiderContribution,
  scaled: scaledContribution,
  stale: staleContribution,
  poisoner: poisonerContribution,
  'wrong-pages': wrongPagesContribution,
};

/** Any adversary by name. */
export async function adversaryContribution(kind: AdversaryKind, opts: AdversaryOptions): Promise<Contribution> {
  return ADVERSARIES[kind](opts);
}
