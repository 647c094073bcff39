/**
 * The Gauntlet's filters: what every contribution in a block must satisfy before anything is
 * evaluated. A miner must not include a contribution that fails one, so any failure makes the
 * whole block invalid. Cheap rules run first, over all contributions, so junk costs little:
 *
 *   1. at most maxContributions contributions; the report has one entry per contribution;
 *   2. every chain id is this network's; every parent hash is the block's parent;
 *      every payload is at most maxPayloadBytes; every work stamp has the genesis' stampBits
 *      (gauntlet/stamp.ts: one hash, before any payload is decoded);
 *   3. contributor addresses strictly increase: the one canonical order, which also allows one
 *      contribution per contributor;
 *   4. every payload decodes with the genesis' codec settings for the model's parameter count
 *      (the codec checks indices, order, finiteness and scales);
 *   5. every signature verifies.
 */
import { VerifyError } from '../errors.ts';
import type { ChainParams } from '../params.ts';
import type { Block, Contribution } from '../types.ts';
import { addressHash } from '../address.ts';
import { bytesEqual, toHexKey } from '../bytes.ts';
import { contributionSigHash } from '../sighash.ts';
import { verifySignature } from '../signature.ts';
import { compareBytes } from '../state-root.ts';
import { paramLayout } from '../../trainer/layout.ts';
import type { DecodedGradient } from '../../trainer/codec.ts';
import { decodePseudoGradient } from '../../trainer/codec.ts';
import { isTrainerError } from '../../trainer/errors.ts';
import { checkStamp } from './stamp.ts';
import type { RatingMap } from './state.ts';
import { admissionOrder, contributionValue } from './value.ts';

/** The contributor's address: the key of its rating and of the account it is paid to. */
export function contributorAddress(c: Contribution): Uint8Array {
  return addressHash(c.contributorPublicKey);
}

/** Rule 2 for one contribution: network, parent, payload size and work stamp. */
export function checkContributionContext(params: ChainParams, parentHash: Uint8Array, c: Contribution, at = 'contribution'): void {
  if (!bytesEqual(c.chainId, params.chainId)) throw new VerifyError('bad-contrib-chainid', `${at} is signed for another network`);
  if (!bytesEqual(c.parentHash, parentHash)) throw new VerifyError('bad-contrib-parent', `${at} was built on another parent`);
  const limit = params.gauntlet.maxPayloadBytes;
  if (c.payload.length > limit) throw new VerifyError('bad-contrib-size', `${at} has a ${c.payload.length}-byte payload, the limit is ${limit}`);
  checkStamp(params.gauntlet.stampBits, c, at);
}

/** Rule 4: the payload as a sparse gradient over the model's parameters. */
export function decodeContributionPayload(params: ChainParams, c: Contribution, at = 'contribution'): DecodedGradient {
  const g = params.gauntlet;
  try {
    return decodePseudoGradient(c.payload, {
      total: paramLayout(params.model).total,
      chunkSize: g.codecChunkSize,
      topK: g.codecTopK,
      maxBytes: g.maxPayloadBytes,
    });
  } catch (err) {
    // Only the payload's own faults; an 'invalid-argument' would be a bad genesis, not a bad block.
    if (isTrainerError(err) && err.code.startsWith('payload-')) throw new VerifyError('bad-contrib-payload', `${at}: ${err.message}`);
    throw err;
  }
}

/** Rule 5. */
export function checkContributionSignature(c: Contribution, at = 'contribution'): void {
  if (!verifySignature(c.signature, contributionSigHash(c), c.contributorPublicKey)) {
    throw new VerifyError('bad-contrib-signature', `${at}'s signature does not verify`);
  }
}

/**
 * Rules 1 (count) to 5 over a list of contributions for a block on `parentHash`; returns their
 * decoded gradients in the same order.
 */
export function checkContributionList(params: ChainParams, parentHash: Uint8Array, contributions: readonly Contribution[]): DecodedGradient[] {
  const max = params.gauntlet.maxContributions;
  if (contributions.length > max) {
    throw new VerifyError('bad-contribs-count', `the block has ${contributions.length} contributions, the limit is ${max}`);
  }
  contributions.forEach((c, i) => checkContributionContext(params, parentHash, c, `contribution ${i}`));
  const addresses = contributions.map(contributorAddress);
  for (let i = 1; i < addresses.length; i++) {
    const order = compareBytes(addresses[i - 1]!, addresses[i]!);
    if (order === 0) throw new VerifyError('bad-contribs-duplicate', `contributor ${toHexKey(addresses[i]!)} has two contributions`);
    if (order > 0) throw new VerifyError('bad-contribs-order', `contribution ${i} is out of order: contributor addresses must increase`);
  }
  const gradients = contributions.map((c, i) => decodeContributionPayload(params, c, `contribution ${i}`));
  contributions.forEach((c, i) => checkContributionSignature(c, `contribution ${i}`));
  return gradients;
}

/** Every filter of a block's contributions and report length (stateless: the block alone). */
export function checkContributions(params: ChainParams, block: Pick<Block, 'header' | 'contributions' | 'report'>): DecodedGradient[] {
  const n = block.contributions.length;
  if (n > params.gauntlet.maxContributions) {
    throw new VerifyError('bad-contribs-count', `the block has ${n} contributions, the limit is ${params.gauntlet.maxContributions}`);
  }
  if (block.report.length !== n) {
    throw new VerifyError('bad-report-count', `the report has ${block.report.length} entries, the block ${n} contributions`);
  }
  return checkContributionList(params, block.header.parentHash, block.contributions);
}

export interface Selection {
  /** What a block on this parent may carry, in canonical order. */
  readonly accepted: readonly Contribution[];
  readonly rejected: readonly { readonly contribution: Contribution; readonly error: VerifyError }[];
  /** Valid, but beyond maxContributions and worth less than those kept (value.ts). */
  readonly crowdedOut: readonly Contribution[];
}

/**
 * A miner's choice (policy, not consensus): candidates that pass every filter, one per
 * contributor (the first offered: a pool holds one), the first maxContributions of the admission
 * order by `ratings` (value.ts: by final score, ordinal, stamp work and id, with one place in four
 * reserved for the least-played rated contributors), then sorted into canonical order.
 * Two contributors with the same payload are both kept: the Gauntlet's own-pages indicator tells
 * the author from the copier.
 */
export function selectContributions(params: ChainParams, parentHash: Uint8Array, candidates: readonly Contribution[], ratings: RatingMap = new Map()): Selection {
  const valid: { readonly address: Uint8Array; readonly contribution: Contribution }[] = [];
  const rejected: { contribution: Contribution; error: VerifyError }[] = [];
  const seen = new Set<string>();
  for (const contribution of candidates) {
    const address = contributorAddress(contribution);
    const key = toHexKey(address);
    try {
      if (seen.has(key)) throw new VerifyError('bad-contribs-duplicate', `contributor ${key} already has a contribution here`);
      checkContributionContext(params, parentHash, contribution);
      decodeContributionPayload(params, contribution);
      checkContributionSignature(contribution);
    } catch (err) {
      if (!(err instanceof VerifyError)) throw err;
      rejected.push({ contribution, error: err });
      continue;
    }
    seen.add(key);
    valid.push({ address, contribution });
  }
  const ranked = admissionOrder(valid, (v) => contributionValue(ratings, v.contribution));
  const kept = ranked.slice(0, params.gauntlet.maxContributions);
  kept.sort((a, b) => compareBytes(a.address, b.address));
  return {
    accepted: kept.map((a) => a.contribution),
    rejected,
    crowdedOut: ranked.slice(params.gauntlet.maxContributions).map((a) => a.contribution),
  };
}
