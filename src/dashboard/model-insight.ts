/**
 * What people watch of the chain's model and its contributors: the model at a height, its loss on
 * held-out text, that loss over the chain's history, and the contributors' ratings. Shared by the
 * Gauntlet's RPC methods and the dashboard so that both show the same numbers.
 *
 * Losses are computed on the node's own thread with the reference evaluator (~0.13 s a model for
 * the default network), so a history request measures at most a few new heights per call and
 * yields between them: a page that polls fills its chart in over a few refreshes instead of
 * stalling the node. Heights are sampled on a power-of-two grid, so the points already measured
 * stay on the grid as the chain grows.
 */
import { isNetworkRecordKey } from '../../consensus/gauntlet/network-record.ts';
import type { RatingMap } from '../../consensus/gauntlet/state.ts';
import { finalScore, ordinal } from '../../consensus/gauntlet/state.ts';
import { encodeAddress } from '../../chain/address.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { paramLayout, type ParamLayout } from '../../trainer/layout.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { HeldOutLoss } from './held-out-loss.ts';
import { ModelHistory, type ModelAt, type ModelChain } from './model-history.ts';

export interface InsightChain extends ModelChain {
  /** The tip's ratings. */
  ratings(): RatingMap;
  /** The network's dataset, or null when the chain was opened without it. */
  dataset(): Dataset | null;
}

export interface LossPoint {
  readonly height: number;
  readonly loss: number;
}

export interface ContributorView {
  readonly address: string;
  readonly mu: number;
  readonly sigma: number;
  readonly ordinal: number;
  readonly binaryMA: number;
  /** max(0, ordinal) · max(0, binaryMA): what the reward weights are built from. */
  readonly final: number;
  /** Blocks in which the contributor had a contribution scored. */
  readonly contributions: number;
  /** Base units earned, as a decimal string. */
  readonly rewards: string;
}

/** New heights measured per history request at most (each ~0.13 s for the default model). */
export const HISTORY_BUDGET = 6;
export const DEFAULT_HISTORY_POINTS = 48;

export class ModelInsight {
  readonly chain: InsightChain;
  readonly layout: ParamLayout;
  readonly history: ModelHistory;
  #heldOut: HeldOutLoss | null | undefined;

  constructor(chain: InsightChain) {
    this.chain = chain;
    this.layout = paramLayout(chain.params.model);
    this.history = new ModelHistory(chain);
  }

  /** θ after the main-chain block at `height` (default: the tip). */
  modelAt(height?: number): Promise<ModelAt> {
    return this.history.modelAt(height ?? this.chain.tip().height);
  }

  /** null when the node has no dataset to measure with. */
  get heldOut(): HeldOutLoss | null {
    if (this.#heldOut === undefined) {
      const dataset = this.chain.dataset();
      this.#heldOut = dataset ? new HeldOutLoss(this.layout, dataset) : null;
    }
    return this.#heldOut;
  }

  /** The held-out loss of a model, or null without a dataset. */
  lossOf(at: ModelAt): number | null {
    return this.heldOut?.lossOf(at.model, at.modelHash) ?? null;
  }

  /**
   * The held-out loss over the main chain up to `upTo`: grid heights (multiples of a power of two,
   * at most `maxPoints`) and `upTo` itself, oldest first. Heights not yet measured are measured, at
   * most `budget` of them per call; the others are left out until a later call.
   */
  async lossHistory(upTo: number, maxPoints = DEFAULT_HISTORY_POINTS, budget = HISTORY_BUDGET): Promise<LossPoint[]> {
    const heldOut = this.heldOut;
    if (!heldOut) return [];
    const heights = historyHeights(upTo, maxPoints);
    const points: LossPoint[] = [];
    let spent = 0;
    // Newest first, so a partial answer shows the present and fills in the past.
    for (const height of [...heights].reverse()) {
      const entry = this.chain.getEntryAtHeight(height);
      if (!entry) continue;
      const hashHex = toHex(entry.header.modelHash);
      let loss = heldOut.cached(hashHex);
      if (loss === undefined) {
        if (spent >= budget) continue;
        spent++;
        const at = await this.history.modelAt(height);
        loss = heldOut.lossOf(at.model, at.modelHash);
        await new Promise((r) => setImmediate(r));
      }
      points.push({ height, loss });
    }
    return points.reverse();
  }

  /** Every contributor the chain has rated, best final score first. */
  contributors(): ContributorView[] {
    const prefix = this.chain.params.addressPrefix;
    const out: ContributorView[] = [];
    for (const [key, r] of this.chain.ratings()) {
      if (isNetworkRecordKey(key)) continue;
      out.push({
        address: encodeAddress(prefix, fromHex(key)),
        mu: r.mu,
        sigma: r.sigma,
        ordinal: ordinal(r),
        binaryMA: r.binaryMA,
        final: finalScore(r),
        contributions: r.contributions,
        rewards: r.rewards.toString(),
      });
    }
    return out.sort((a, b) => b.final - a.final || b.ordinal - a.ordinal || (a.address < b.address ? -1 : 1));
  }
}

/**
 * Heights 0, s, 2s, … ≤ upTo with s the smallest power of two that keeps them within maxPoints − 1,
 * then upTo itself.
 */
export function historyHeights(upTo: number, maxPoints: number): number[] {
  if (upTo <= 0) return [0];
  const room = Math.max(1, maxPoints - 1);
  let step = 1;
  while (Math.floor(upTo / step) + 1 > room) step *= 2;
  const heights: number[] = [];
  for (let h = 0; h <= upTo; h += step) heights.push(h);
  if (heights[heights.length - 1] !== upTo) heights.push(upTo);
  return heights;
}
