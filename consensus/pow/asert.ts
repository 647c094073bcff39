/**
 * Difficulty: Bitcoin Cash's aserti3-2d, exactly. Every block's target is scheduled absolutely from
 * one anchor: for each half-life a chain runs ahead of (behind) the ideal schedule, the target
 * halves (doubles).
 *
 *   next = anchorTarget · 2^((t_parent − t_anchorParent − T·(h_parent − h_anchor + 1)) / halfLife)
 *
 * computed in integers: a 16-bit fixed-point exponent by truncating division, its integer part as
 * a shift and its fraction through the specification's cubic approximation of 2^x, which is exact
 * at 0 and 1 so that consecutive powers of two join without a step. The result is clamped to
 * [1, powLimit]. Because the schedule is absolute, rounding never accumulates from block to block.
 *
 * This network anchors at block 1 (consensus/header-rules.ts' expectedBits): the anchor's target
 * is the genesis target and the anchor's (virtual) parent time is block 1's timestamp −
 * idealBlockTime, so that block 2 is asked for exactly the genesis target when it arrives on
 * schedule. genesisAnchor builds the parameters from a timestamp and bits at height 0; the caller
 * sets the height of the block they came from.
 */
import { bitsToTarget, targetToBits } from './compact.ts';
import { MAX_TARGET } from './target.ts';

export interface AsertParams {
  /** The anchor block's target (> 0 and ≤ powLimit). */
  readonly anchorTarget: bigint;
  /** Timestamp of the anchor block's parent, in seconds. */
  readonly anchorParentTime: number;
  readonly anchorHeight: number;
  /** Seconds the schedule allows per block (600 in Bitcoin Cash; the genesis sets ours). */
  readonly idealBlockTime: number;
  /** Seconds of lead or lag that halve or double the target (172800 in Bitcoin Cash). */
  readonly halfLife: number;
  /** The easiest target allowed. */
  readonly powLimit: bigint;
}

/** The block whose child's target is being computed. */
export interface AsertParent {
  readonly height: number;
  readonly timestamp: number;
}

const RADIX_BITS = 16n;
const RADIX = 1n << RADIX_BITS;
// 2^x ≈ 1 + (C1·x + C2·x² + C3·x³ + 2^47) / 2^48 for x = frac / 2^16 in [0, 1): the specification's
// constants, with 2^47 rounding the 2^48 division to nearest.
const C1 = 195_766_423_245_049n;
const C2 = 971_821_376n;
const C3 = 5_127n;
const ROUND = 1n << 47n;
const POLY_SHIFT = 48n;
// anchorTarget · factor < 2^256 · 2^17, so once the right shift reaches 2^273 nothing is left; a
// left shift of 256 or more exceeds every possible limit. Clamping first keeps adversarial
// timestamps from building enormous integers.
const MIN_SHIFTS = -(256n + 17n + RADIX_BITS);
const MAX_SHIFTS = 256n;

/** The target the child of `parent` must meet. */
export function nextTarget(params: AsertParams, parent: AsertParent): bigint {
  checkParams(params);
  const height = safeInt(parent.height, 'parent height');
  const timestamp = safeInt(parent.timestamp, 'parent timestamp');
  if (height < params.anchorHeight) {
    throw new RangeError(`parent height ${height} is below the anchor height ${params.anchorHeight}`);
  }
  const timeDelta = BigInt(timestamp) - BigInt(params.anchorParentTime);
  const heightDelta = BigInt(height - params.anchorHeight);
  const lead = timeDelta - BigInt(params.idealBlockTime) * (heightDelta + 1n);
  // BigInt division truncates toward zero, as the specification requires (not floor).
  const exponent = (lead * RADIX) / BigInt(params.halfLife);
  // BigInt >> is arithmetic, so shifts = floor(exponent / 2^16) and frac is in [0, 2^16).
  const shifts = exponent >> RADIX_BITS;
  if (shifts >= MAX_SHIFTS) return params.powLimit;
  if (shifts <= MIN_SHIFTS) return 1n;
  const frac = exponent - (shifts << RADIX_BITS);
  const factor = RADIX + ((C1 * frac + C2 * frac * frac + C3 * frac * frac * frac + ROUND) >> POLY_SHIFT);
  let target = params.anchorTarget * factor;
  target = shifts < 0n ? target >> -shifts : target << shifts;
  target >>= RADIX_BITS;
  if (target === 0n) return 1n;
  return target > params.powLimit ? params.powLimit : target;
}

/** The canonical bits the child of `parent` must carry in its header. */
export function nextBits(params: AsertParams, parent: AsertParent): number {
  return targetToBits(nextTarget(params, parent));
}

/** Anchor parameters from a block's timestamp and bits, at height 0 (see the module comment). */
export function genesisAnchor(
  genesis: { readonly timestamp: number; readonly bits: number },
  schedule: { readonly idealBlockTime: number; readonly halfLife: number; readonly powLimit: bigint },
): AsertParams {
  const params: AsertParams = Object.freeze({
    anchorTarget: bitsToTarget(genesis.bits),
    anchorParentTime: safeInt(genesis.timestamp, 'genesis timestamp') - schedule.idealBlockTime,
    anchorHeight: 0,
    idealBlockTime: schedule.idealBlockTime,
    halfLife: schedule.halfLife,
    powLimit: schedule.powLimit,
  });
  checkParams(params);
  return params;
}

function checkParams(p: AsertParams): void {
  safeInt(p.anchorParentTime, 'anchor parent time');
  if (safeInt(p.anchorHeight, 'anchor height') < 0) throw new RangeError('anchor height must be non-negative');
  if (safeInt(p.idealBlockTime, 'ideal block time') <= 0) throw new RangeError('ideal block time must be positive');
  if (safeInt(p.halfLife, 'half-life') <= 0) throw new RangeError('half-life must be positive');
  if (p.powLimit < 1n || p.powLimit > MAX_TARGET) throw new RangeError('powLimit must be in [1, 2^256)');
  if (p.anchorTarget < 1n || p.anchorTarget > p.powLimit) throw new RangeError('anchor target must be in [1, powLimit]');
}

function safeInt(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  return value;
}
