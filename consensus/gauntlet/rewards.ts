/**
 * The contributor pool's division, normalised by the network, not by the block (DESIGN.md §8).
 *
 * After the cold start a contribution is paid when its contributor's rating has matured (it had
 * played at least maturityGames games before this block) and it improved the model (score > 0):
 *
 *   w_i = min(final_i before, final_i after)^p / N_t,   N_t = max(F_{t−1}, floor^p, S_t)
 *
 * where final before and after are the contributor's final score before and after this block's
 * rating update, F_{t−1} is the network's sum of final^p over every matured rating as the parent
 * state holds it (the network record, network-record.ts), and S_t = Σ_paid min(before, after)^p.
 * Each paid contributor's final before is one term of F_{t−1}, and min(before, after) ≤ before,
 * so S_t ≤ F_{t−1}: S_t is there only for floating-point rounding in F, and the weights never sum
 * past 1. N_t is therefore fixed by the parent state: whom a block producer leaves out changes
 * nobody else's weight in its block (the part of those left out burns), and a fresh address earns
 * nothing until it has played maturityGames games. After the block F_t = F_{t−1} − Σ before^p +
 * Σ after^p over the block's matured ratings (in block order; one that matures in this block
 * enters with its after term).
 *
 * The cold start is the network's first phase, while no contributor anywhere has a matured rating
 * (no final means anything yet). It pays contributions with score > 0 and indicator +1, by score,
 * but a block's total is its share of eligible contributions in a full block:
 *
 *   w_i = (score_i / Σ_eligible score) · (n_eligible / maxContributions),
 *
 * so a block holding only its miner's contribution pays it 1/maxContributions of the pool, not the
 * pool. The cold start ends at the first block that holds a matured rating, for good: a new
 * address after that is immature like any other.
 *
 * Weights become integers exactly: units_i = ⌊w_i · 2^32⌋ (a power-of-two scaling, so the only
 * rounding is the floor), and reward_i = ⌊pool · units_i / 2^32⌋ in bigint (over Σ units instead
 * if rounding ever made it exceed 2^32). What is not paid, the floors' dust included, is burned:
 * it never goes to the miner.
 *
 * Copies. A payload that several contributions of the block carry is paid once at most: to the
 * copy whose final is strictly the highest of its group (the own-pages indicator's history, in
 * binaryMA, is what tells an author from a re-signer: they score alike, and the re-signer's
 * indicator is a coin toss), and in the cold start, with no history yet, to none of them. No
 * first-seen rule decides. Measured: a copycat took 1.93 % of 30 blocks' pay without this rule.
 *
 * final^p: for an integer p by repeated multiplication (x·x·…·x, left to right), otherwise as
 * exp(p·log x) with the project's own exp and log, so that every node computes the same bits.
 */
import type { GauntletParams } from '../params.ts';
import { exp, log } from '../../trainer/reference/math.ts';
import type { NetworkRecord } from './network-record.ts';
import { blockNormaliser, inColdStart } from './network-record.ts';

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

export type RewardParams = Pick<GauntletParams, 'weightPower' | 'maturityGames' | 'normaliserFloor' | 'maxContributions'>;

export interface RatedContribution {
  /** The contributor's final score after this block's rating update. */
  readonly final: number;
  /** Its final score before the update (0 for a new address). */
  readonly finalBefore: number;
  readonly score: number;
  /** +1 or −1. */
  readonly indicator: number;
  /** Games its rating had played before this block. */
  readonly gamesBefore: number;
  /** Block index of the first contribution carrying the same payload, when another does; else −1. */
  readonly copyGroup: number;
}

export interface WeightsResult {
  /** w_i in block order. */
  readonly weights: readonly number[];
  /** The network record after the block, its paid total not yet updated. */
  readonly record: NetworkRecord;
  /** Whether this block was divided by the cold-start rule. */
  readonly coldStart: boolean;
  /** N_t, what the weights were divided by (0 in the cold start). */
  readonly normaliser: number;
}

export function isMatured(params: Pick<GauntletParams, 'maturityGames'>, gamesBefore: number): boolean {
  return gamesBefore >= params.maturityGames;
}

function coldStartWeights(params: RewardParams, entries: readonly RatedContribution[]): number[] {
  const eligible = entries.map((e) => e.score > 0 && e.indicator > 0 && e.copyGroup < 0);
  let scoreTotal = 0;
  let count = 0;
  entries.forEach((e, i) => {
    if (!eligible[i]) return;
    scoreTotal += e.score;
    count++;
  });
  if (!(scoreTotal > 0)) return entries.map(() => 0);
  const blockShare = count / params.maxContributions;
  return entries.map((e, i) => (eligible[i] ? (e.score / scoreTotal) * blockShare : 0));
}

/** Whether entry i carries no copied payload, or has strictly the highest final of its copy group. */
function leadsItsCopies(entries: readonly RatedContribution[], i: number): boolean {
  const group = entries[i]!.copyGroup;
  if (group < 0) return true;
  return entries.every((e, j) => j === i || e.copyGroup !== group || e.final < entries[i]!.final);
}

/** The network's sum of matured final^p after the block: F_{t−1} − Σ before^p + Σ after^p over the block's ratings. */
export function nextFinalSum(params: RewardParams, previous: number, entries: readonly RatedContribution[]): number {
  const p = params.weightPower;
  let sum = previous;
  for (const e of entries) {
    const before = isMatured(params, e.gamesBefore) ? weightPower(e.finalBefore, p) : 0;
    const after = isMatured(params, e.gamesBefore + 1) ? weightPower(e.final, p) : 0;
    sum = sum - before + after;
  }
  return sum > 0 ? sum : 0;
}

/** The block's weights and the network record after it (see the file comment). */
export function contributorWeights(params: RewardParams, record: NetworkRecord, entries: readonly RatedContribution[]): WeightsResult {
  const p = params.weightPower;
  const finalSum = nextFinalSum(params, record.normaliser, entries);
  const anyMatured = entries.some((e) => isMatured(params, e.gamesBefore));
  if (inColdStart(record) && !anyMatured) {
    return { weights: coldStartWeights(params, entries), record: Object.freeze({ ...record, normaliser: finalSum }), coldStart: true, normaliser: 0 };
  }
  const powered = entries.map((e, i) =>
    isMatured(params, e.gamesBefore) && e.score > 0 && leadsItsCopies(entries, i) ? weightPower(e.finalBefore < e.final ? e.finalBefore : e.final, p) : 0,
  );
  let blockSum = 0;
  for (const x of powered) blockSum += x;
  const normaliser = blockNormaliser(record.normaliser, weightPower(params.normaliserFloor, p), blockSum);
  const weights = powered.map((x) => (normaliser > 0 ? x / normaliser : 0));
  return { weights, record: Object.freeze({ ...record, normaliser: finalSum, matured: record.matured + 1 }), coldStart: false, normaliser };
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
  const whole = BigInt(WEIGHT_UNITS);
  const divisor = totalUnits > whole ? totalUnits : whole;
  const rewards = units.map((u) => (pool * u) / divisor);
  const paid = rewards.reduce((a, b) => a + b, 0n);
  return { rewards, paid, burned: pool - paid };
}

/**
 * The most any block on this parent can pay a contributor, whatever else the block holds and
 * whatever its random pages: ⌊pool · ⌊min(1, final_before^p / max(F_{t−1}, floor^p))·2^32⌋ / 2^32⌋
 * for a matured rating (w_i = min(before, after)^p / N_t, and N_t ≥ max(F_{t−1}, floor^p)), and
 * 0 for an immature one after the cold start. Every term comes from the parent state, so a block
 * producer that redraws its block (the random pages follow the contributions root) can at most
 * turn an unpaid draw into this. Null in the cold start, where pay follows the block's scores.
 */
export function payCeiling(params: RewardParams, record: NetworkRecord, finalBefore: number, gamesBefore: number, pool: bigint): bigint | null {
  const matured = isMatured(params, gamesBefore);
  if (!matured) return inColdStart(record) ? null : 0n;
  const p = params.weightPower;
  const bound = blockNormaliser(record.normaliser, weightPower(params.normaliserFloor, p), 0);
  const powered = weightPower(finalBefore, p);
  const w = bound > 0 ? powered / bound : 1;
  return (pool * weightUnits(w < 1 ? w : 1)) / BigInt(WEIGHT_UNITS);
}
