/**
 * Header rules. checkHeaderSanity needs nothing but the header (so headers and orphans can be
 * screened before their parent is known); checkHeader adds the parent's context.
 */
import { VerifyError } from './errors.ts';
import type { ChainParams } from './params.ts';
import { HEADER_VERSION } from './params.ts';
import type { Header } from './types.ts';
import { genesisAnchor, nextBits } from './pow/asert.ts';
import { checkProofOfWork, hashMeetsTarget, targetToBytes } from './pow/target.ts';
import { bitsToTarget } from './pow/compact.ts';
import { checkTimestamp, MEDIAN_TIME_SPAN } from './pow/timestamps.ts';
import { bytesEqual } from './bytes.ts';

export interface ParentContext {
  readonly hash: Uint8Array;
  readonly header: Header;
  /** Timestamps of up to the last 11 blocks, oldest first, ending with the parent's. */
  readonly recentTimestamps: readonly number[];
  /**
   * Timestamp of the ASERT anchor, the block at height 1 on the parent's branch (null when the
   * parent is the genesis block). Cheap to carry: every chain entry can inherit it from its parent.
   */
  readonly anchorTimestamp: number | null;
}

/** Context-free: version, proof of work against the header's own bits, bits within the limit. */
export function checkHeaderSanity(params: ChainParams, header: Header, hash: Uint8Array): void {
  if (header.version !== HEADER_VERSION) {
    throw new VerifyError('bad-version', `header version ${header.version}, this network uses ${HEADER_VERSION}`);
  }
  if (header.height === 0) throw new VerifyError('bad-height', 'only the genesis block has height 0');
  checkProofOfWork(hash, header.bits, params.pow.powLimit);
}

/**
 * The bits a child of `parent` must carry. Block 1 carries the genesis bits; from then on ASERT is
 * anchored at block 1 (with a virtual parent one block time before it), not at the genesis block:
 * a genesis file may be written long before its network starts, and an anchor in the past would
 * make every block easy until the chain caught up with the schedule.
 */
export function expectedBits(params: ChainParams, parent: Header, anchorTimestamp: number | null): number {
  if (parent.height === 0) return params.pow.genesisBits;
  if (anchorTimestamp === null) throw new Error('a parent above the genesis needs the anchor (block 1) timestamp');
  const anchor = Object.freeze({
    ...genesisAnchor(
      { timestamp: anchorTimestamp, bits: params.pow.genesisBits },
      { idealBlockTime: params.pow.blockTimeSeconds, halfLife: params.pow.asertHalfLifeSeconds, powLimit: params.pow.powLimit },
    ),
    anchorHeight: 1,
  });
  return nextBits(anchor, { height: parent.height, timestamp: parent.timestamp });
}

/**
 * Whether `hash` meets the target a child of `parent` must meet: what a header's failure must have
 * cost its sender before the failure is worth a record.
 */
export function meetsContextTarget(params: ChainParams, hash: Uint8Array, parent: ParentContext): boolean {
  return meetsTargetOf(hash, expectedBits(params, parent.header, parent.anchorTimestamp));
}

function meetsTargetOf(hash: Uint8Array, bits: number): boolean {
  return hashMeetsTarget(hash, targetToBytes(bitsToTarget(bits)));
}

/**
 * Everything a header must satisfy given its parent and the local clock `now` (seconds). A failure
 * is marked invalid (VerifyError.markInvalid) only when the hash meets the target its context
 * requires: a header mined against the loosest bits costs a few hashes and earns no record.
 */
export function checkHeader(params: ChainParams, header: Header, hash: Uint8Array, parent: ParentContext, now: number): void {
  checkHeaderSanity(params, header, hash);
  if (!bytesEqual(header.parentHash, parent.hash)) {
    throw new VerifyError('bad-prevblk', 'header does not build on the given parent');
  }
  const bits = expectedBits(params, parent.header, parent.anchorTimestamp);
  const markInvalid = meetsTargetOf(hash, bits);
  if (header.height !== parent.header.height + 1) {
    throw new VerifyError('bad-height', `height ${header.height} does not follow parent height ${parent.header.height}`, 100, { markInvalid });
  }
  if (header.bits !== bits) {
    throw new VerifyError(
      'bad-diffbits',
      `bits 0x${header.bits.toString(16).padStart(8, '0')}, ASERT requires 0x${bits.toString(16).padStart(8, '0')}`,
      100,
      { markInvalid },
    );
  }
  const recent = parent.recentTimestamps.slice(-MEDIAN_TIME_SPAN);
  if (recent.length === 0) throw new Error('parent context carries no timestamps');
  const verdict = checkTimestamp(header.timestamp, recent, now, params.pow.maxFutureSeconds);
  if (!verdict.ok) throw new VerifyError(verdict.code, verdict.reason, verdict.score, { markInvalid: verdict.permanent });
}
