/**
 * Attacks on who is paid and who gets in (DESIGN.md §8), for the incentive suite and benchmarks:
 * contributors that flood or copy, and block producers that choose what their block holds. Each
 * takes what the real pool and template builder take, so the chain judges them as it would a
 * live attacker. What the Gauntlet does to each is in docs/contributors.md; in short:
 *
 *   sybil swarm   many fresh addresses sending junk: each is new, so none is paid after the cold
 *                 start until its rating has matured, and junk ranks below the baseline.
 *   spammer       junk under a fresh key per contribution, sent first to fill the pools: each pays
 *                 a work stamp, and a full pool evicts it for anything rated or better stamped.
 *   thief         re-signs another contributor's payload and races it: both are held and judged,
 *                 and the own-pages indicator pays the author.
 *   miner-solo    mines blocks holding only its own contribution under a fresh address: the pool is
 *                 divided by the network's normaliser and a fresh address is immature, so it burns.
 *   miner-censor  leaves the best-rated contribution out of its blocks: the others' pay does not
 *                 grow (the normaliser is the network's), the excluded share burns.
 *   grinder       re-stamps its own contribution to draw new random evaluation pages, keeping the
 *                 draw that pays it most: each draw costs a stamp and a scoring.
 */
import type { ChainParams } from '../../consensus/params.ts';
import type { Contribution } from '../../consensus/types.ts';
import { addressHash } from '../../consensus/address.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { taggedHash } from '../../consensus/hash.ts';
import { findStamp } from '../../consensus/gauntlet/stamp.ts';
import type { RatingMap } from '../../consensus/gauntlet/state.ts';
import { NEW_RATING, finalScore } from '../../consensus/gauntlet/state.ts';
import { keyPairFromSecret, type KeyPair } from '../../chain/keys.ts';
import { noiseContribution, copycatContribution, type AdversaryOptions } from './adversaries.ts';

export const INCENTIVE_ADVERSARY_KINDS = ['miner-solo', 'miner-censor', 'sybil', 'spammer', 'thief', 'grinder'] as const;
export type IncentiveAdversaryKind = (typeof INCENTIVE_ADVERSARY_KINDS)[number];

/** A fresh key pair, a pure function of a label: sybils, spam and solo addresses that repeat across runs. */
export function freshKey(label: string): KeyPair {
  return keyPairFromSecret(taggedHash('test-fresh-key', new TextEncoder().encode(label)));
}

/** Junk (Gaussian noise) from each of `count` keys named `label-0` … (the swarm's fixed addresses, or one-use spam keys). */
export function swarmContributions(opts: Omit<AdversaryOptions, 'keyPair'>, label: string, count: number): Contribution[] {
  return Array.from({ length: count }, (_, i) => noiseContribution({ ...opts, keyPair: freshKey(`${label}-${i}`) }));
}

/** The victim's payload under the thief's key, with the thief's own stamp (to be sent before the victim's). */
export function thiefContribution(opts: AdversaryOptions): Contribution {
  return copycatContribution(opts);
}

/** What a censoring miner offers its template: everything but the best-rated contribution not its own. */
export function censoredOffer(offered: readonly Contribution[], ratings: RatingMap, own: Uint8Array): Contribution[] {
  const ownKey = toHexKey(own);
  let best = -1;
  let bestFinal = -Infinity;
  offered.forEach((c, i) => {
    const key = toHexKey(addressHash(c.contributorPublicKey));
    if (key === ownKey) return;
    const final = finalScore(ratings.get(key) ?? NEW_RATING);
    if (final > bestFinal) {
      bestFinal = final;
      best = i;
    }
  });
  return offered.filter((_, i) => i !== best);
}

/**
 * The grinder's variants of its contribution: the same signed payload under `draws` different
 * stamps, each a new contribution id, so a new contributions root and new random pages.
 */
export function grindVariants(params: ChainParams, own: Contribution, draws: number): Contribution[] {
  const variants: Contribution[] = [own];
  let next = own.stamp + 1n;
  while (variants.length < draws) {
    const stamp = findStamp(params.gauntlet.stampBits, own, next);
    variants.push(Object.freeze({ ...own, stamp }));
    next = stamp + 1n;
  }
  return variants;
}
