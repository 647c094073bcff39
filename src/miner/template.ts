/**
 * Block templates: the unsolved block a miner searches a nonce for, built with the same state
 * transition validators run (consensus/connect.ts buildGauntletBlock): transfers, the miner's
 * credit, the Gauntlet over the contributions, the report, the state root and the model hash.
 *
 * Transfers are taken in the order given (the mempool's), each applied to a running copy of the
 * state; one that no longer applies (spent by an earlier one, or a nonce gap) is skipped, not
 * fatal. Contributions are chosen by consensus/gauntlet/filters.ts selectContributions: those
 * built on this parent that pass every filter, one per contributor, the genesis' maxContributions
 * most valuable by the parent's ratings (final score, ordinal, stamp work: gauntlet/value.ts), put
 * in canonical order.
 */
import type { ChainParams } from '../../consensus/params.ts';
import type { Block, Contribution, Transfer } from '../../consensus/types.ts';
import { HEADER_VERSION } from '../../consensus/params.ts';
import { expectedBits, type ParentContext } from '../../consensus/header-rules.ts';
import { AccountOverlay, applyTransfer, type AccountMap } from '../../consensus/state-transition.ts';
import { buildGauntletBlock, type ConnectedState } from '../../consensus/connect.ts';
import type { EarnedRewards } from '../../consensus/maturity.ts';
import type { StateCommitment } from '../../consensus/state-commitment.ts';
import { selectContributions } from '../../consensus/gauntlet/filters.ts';
import type { RatingMap } from '../../consensus/gauntlet/state.ts';
import { medianTimePast } from '../../consensus/pow/timestamps.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { NO_DATASET } from '../../chain/dataset.ts';
import type { Dataset } from '../../trainer/pages.ts';
import type { LossBatch } from '../../trainer/reference/loss-batch.ts';

/** The parent's header context and state (chain/chain.ts Chain.tipState() gives one). */
export interface TemplateParent extends ParentContext {
  readonly accounts: AccountMap;
  readonly ratings: RatingMap;
  /** θ after the parent; not modified. */
  readonly model: Float32Array;
  /** The rewards a block on this parent credits (consensus/maturity.ts); Chain.tipState() has them. */
  readonly maturing?: EarnedRewards | null;
  /** The commitment to `accounts` and `ratings`, if the caller keeps one (the chain does). */
  readonly commitment?: StateCommitment;
}

export interface TemplateOptions {
  readonly miner: Uint8Array;
  /** The miner's clock, seconds; the timestamp is raised to median time past + 1 if needed. */
  readonly now: number;
  readonly candidates?: readonly Transfer[];
  readonly maxTransfers?: number;
  /** Contributions on offer (a pool's, in arrival order). */
  readonly contributions?: readonly Contribution[];
  /** The network dataset: needed when any contribution is on offer. */
  readonly dataset?: Dataset;
  /** Computes the Gauntlet's scoring losses (a pool of verifier threads); sequential when absent. */
  readonly lossBatch?: LossBatch;
}

export interface Template {
  readonly block: Block;
  /** Candidates left out because they did not apply on this parent. */
  readonly skipped: number;
  /** Contributions on offer left out (another parent, a failed filter, a second one, over the limit). */
  readonly contributionsLeftOut: number;
  /** What the block does to the state: the report, rewards, θ'. */
  readonly state: ConnectedState;
}

function selectTransfers(params: ChainParams, accounts: AccountMap, opts: TemplateOptions): { txs: Transfer[]; skipped: number } {
  const overlay = new AccountOverlay(accounts);
  const txs: Transfer[] = [];
  let skipped = 0;
  const limit = Math.min(opts.maxTransfers ?? Infinity, params.limits.maxTransfers);
  for (const tx of opts.candidates ?? []) {
    if (txs.length >= limit) break;
    try {
      applyTransfer(overlay, tx);
      txs.push(tx);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      skipped++;
    }
  }
  return { txs, skipped };
}

export function buildTemplate(params: ChainParams, parent: TemplateParent, opts: TemplateOptions): Template {
  const { txs, skipped } = selectTransfers(params, parent.accounts, opts);
  const offered = opts.contributions ?? [];
  if (offered.length > 0 && opts.dataset === undefined) throw new TypeError('a template with contributions needs the network dataset');
  const { accepted } = selectContributions(params, parent.hash, offered, parent.ratings);
  const built = buildGauntletBlock(
    params,
    opts.dataset ?? NO_DATASET,
    {
      hash: parent.hash,
      accounts: parent.accounts,
      ratings: parent.ratings,
      model: parent.model,
      modelHash: parent.header.modelHash,
      maturing: parent.maturing ?? null,
      ...(parent.commitment ? { commitment: parent.commitment } : {}),
    },
    {
      header: {
        version: HEADER_VERSION,
        height: parent.header.height + 1,
        parentHash: parent.hash,
        timestamp: Math.max(opts.now, medianTimePast(parent.recentTimestamps) + 1),
        bits: expectedBits(params, parent.header, parent.anchorTimestamp),
        nonce: 0n,
        minerAddress: opts.miner,
      },
      txs,
      contributions: accepted,
    },
    opts.lossBatch === undefined ? {} : { lossBatch: opts.lossBatch },
  );
  return { block: built.block, skipped, contributionsLeftOut: offered.length - accepted.length, state: built.state };
}
