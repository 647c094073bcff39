/**
 * Chain work. A block with target T is found with probability (T + 1) / 2^256 per hash, so it
 * stands for 2^256 / (T + 1) hashes on average; fork choice follows the most cumulative work.
 */
import { bitsToTarget } from './compact.ts';
import { MAX_TARGET } from './target.ts';

const TWO_256 = 1n << 256n;

/** floor(2^256 / (target + 1)), as Bitcoin's GetBlockProof. */
export function blockWork(target: bigint): bigint {
  if (target < 0n || target > MAX_TARGET) throw new RangeError(`target must be in [0, 2^256), got ${target}`);
  return TWO_256 / (target + 1n);
}

/** The work of a header from its bits (which must be valid: see bitsToTarget). */
export function workFromBits(bits: number): bigint {
  return blockWork(bitsToTarget(bits));
}
