/**
 * The contributor pool's division. Only contributions that improved the model on the shared
 * random pages (score > 0) are paid; among them the weights are
 *
 *   w_i = final_i^p / Σ final^p          (final_i after this block's rating update),
 *
 * computed as x_i^p / Σ x^p with x_i = final_i / max final (the same weights, and no power can
 * overflow); or, in the cold start where every paid contribution's final is 0, w_i = score_i / Σ score.
 * No one eligible: every weight is 0.
 *
 * Weights become integers exactly: units_i = ⌊w_i · 2^32⌋ (a power-of-two scaling, so the only
 * rounding is the floor), and reward_i = ⌊pool · units_i / Σ units⌋ in bigint. What the floors
 * leave, and the whole pool when no one is eligible, is burned: it never goes to the miner, so a
 * miner gains nothing by leaving contributions out or by including bad ones.
 *
 * final^p: for an integer p by repeated multiplication (x·x·…·x, left to right), otherwise as
 * exp(p·log x) with the project's own exp and log, so that every node computes the same bits.
 */
import { exp, log } from '../../trainer/reference/math.ts';

/** Fixed-point precision of a weight: units per whole pool. */
export const WEIGHT_UNITS = 2 ** 32;

/** x^p for x ≥ 0, deterministic (see the file comment). */
export function weightPower(x: number, p: number): number {
  if (!(x > 0)) return 0;
  if (Number.isInteger(p) && p >= 1) {
    let y = x;
    for (let k = 1; k < p; k++) y *= x;
    return y;
  }
  return exp(p * log(x));
}

/** w_i for the block's contributions, in block order (see the file comment). */
export function contributorWeights(finals: readonly number[], scores: readonly number[], p: number): number[] {
  if (finals.length !== scores.length) throw new RangeError(`${finals.length} finals but ${scores.length} scores`);
  const eligible = scores.map((s) => s > 0);
  // Scaled by the largest eligible final first, so no power can overflow: (f/fmax)^p ≤ 1.
  let largest = 0;
  finals.forEach((f, i) => {
    if (eligible[i] && f > largest) largest = f;
  });
  const powered = finals.map((f, i) => (eligible[i] && largest > 0 ? weightPower(f / largest, p) : 0));
  let total = 0;
  for (const x of powered) total += x;
  if (total > 0) return powered.map((x) => x / total);
  let scoreTotal = 0;
  scores.forEach((s, i) => {
    if (eligible[i]) scoreTotal += s;
  });
  if (!(scoreTotal > 0)) return scores.map(() => 0);
  return scores.map((s, i) => (eligible[i] ? s / scoreTotal : 0));
}

/** ⌊w · 2^32⌋ as a bigint; w in [0, 1]. */
export function weightUnits(w: number): bigint {
  if (!(w >= 0 && w <= 1)) throw new RangeError(`a weight must lie in [0, 1], got ${w}`);
  return BigInt(Math.floor(w * WEIGHT_UNITS));
}

export interface PoolDivision {
  /** reward_i in block order. */
  readonly rewards: readonly bigint[];
  readonly paid: bigint;
  /** pool − paid. */
  readonly burned: bigint;
}

export function dividePool(pool: bigint, weights: readonly number[]): PoolDivision {
  if (pool < 0n) throw new RangeError('the pool must not be negative');
  const units = weights.map(weightUnits);
  const totalUnits = units.reduce((a, b) => a + b, 0n);
  const rewards = units.map((u) => (totalUnits === 0n ? 0n : (pool * u) / totalUnits));
  const paid = rewards.reduce((a, b) => a + b, 0n);
  return { rewards, paid, burned: pool - paid };
}
