/**
 * The block subsidy: new coin per block, halving every `halvingInterval` blocks as Bitcoin's, and
 * its split between the block's miner and the contributors' pool. Amounts are base units (bigint).
 */

/** 1 GC in base units. */
export const COIN = 100_000_000n;
/** Basis points in a whole: a share of 2000 is 20 %. */
export const BPS_DENOMINATOR = 10_000;

export interface SubsidySchedule {
  /** The subsidy of the blocks before the first halving. */
  readonly initialSubsidy: bigint;
  readonly halvingInterval: number;
}

export interface RewardSplit {
  readonly miner: bigint;
  readonly pool: bigint;
}

/** initialSubsidy >> floor(height / halvingInterval), and 0 once that shift reaches 64. */
export function subsidy(height: number, schedule: SubsidySchedule): bigint {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`height must be a non-negative integer, got ${height}`);
  const { initialSubsidy, halvingInterval } = schedule;
  if (!Number.isSafeInteger(halvingInterval) || halvingInterval < 1) {
    throw new RangeError(`halving interval must be a positive integer, got ${halvingInterval}`);
  }
  if (initialSubsidy < 0n) throw new RangeError('initial subsidy must not be negative');
  const halvings = Math.floor(height / halvingInterval);
  // As Bitcoin: stop at 64 halvings rather than rely on shifting (64-bit shifts wrap in C++).
  if (halvings >= 64) return 0n;
  return initialSubsidy >> BigInt(halvings);
}

/**
 * The miner's share floor(subsidy · bps / 10000); the pool gets the rest, so nothing is lost to
 * rounding and the miner never gains from it.
 */
export function splitReward(amount: bigint, minerShareBps: number): RewardSplit {
  if (amount < 0n) throw new RangeError('reward must not be negative');
  if (!Number.isInteger(minerShareBps) || minerShareBps < 0 || minerShareBps > BPS_DENOMINATOR) {
    throw new RangeError(`miner share must be an integer number of basis points in [0, 10000], got ${minerShareBps}`);
  }
  const miner = (amount * BigInt(minerShareBps)) / BigInt(BPS_DENOMINATOR);
  return { miner, pool: amount - miner };
}
