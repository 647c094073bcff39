/**
 * The full state-transition function of a block: what connecting it to its parent does to the
 * accounts, the contributors' ratings and the model, and the Gauntlet report it must carry.
 *
 * In order:
 *   1. the contributions pass the Gauntlet's filters (gauntlet/filters.ts);
 *   2. the rewards earned M blocks ago mature: that block's miner and contributors are credited
 *      (consensus/maturity.ts; M = the genesis' rewards.maturity, and with M = 0 each reward is
 *      credited in its own block: the miner's after step 3, the contributors' in step 4);
 *   3. the transfers apply in block order (consensus/state-transition.ts' rules); the miner earns
 *      its share of the subsidy plus every fee;
 *   4. the Gauntlet scores the contributions, updates their ratings and the network's reward
 *      record (a reserved ratings leaf: gauntlet/network-record.ts), divides the contributor pool
 *      and aggregates the best into θ' (gauntlet/gauntlet.ts); each contributor earns its reward,
 *      in report order; what is not paid is burned;
 *   5. the state root commits to the accounts and ratings after all of it (consensus/state-tree.ts;
 *      with the parent's commitment, at a cost that grows with the entries the block changed).
 *
 * With `trustScores` (assume-valid sync, for blocks the node's operator vouches for) step 4 takes
 * the losses, scores and indicators from the block's report instead of evaluating them; the rest
 * is computed as always. With `verify` (the default) the block must agree with all of it: its report entry by entry
 * (every float bit, every reward; a code per kind of field), then its state root, then its model
 * hash. Stateless rules (checkBlockBody) and the header's context are the caller's to check.
 *
 * Pure: the inputs are never mutated; the result holds the changes and their undo data.
 */
import { VerifyError } from './errors.ts';
import type { ChainParams } from './params.ts';
import type { Account, Block, Contribution, Header, ReportEntry, Transfer } from './types.ts';
import { bytesEqual, toHexKey } from './bytes.ts';
import { contributionsRoot, reportRoot, txRoot } from './ids.ts';
import { AccountOverlay, applyTransfer, type AccountMap } from './state-transition.ts';
import { StateCommitment, type StateCommitmentUpdate } from './state-commitment.ts';
import { splitReward, subsidy as subsidyAt } from './subsidy.ts';
import { checkMaturing, rewardMaturity, type EarnedRewards } from './maturity.ts';
import { checkContributionList, checkContributions, contributorAddress } from './gauntlet/filters.ts';
import { runGauntlet } from './gauntlet/gauntlet.ts';
import { checkReport } from './gauntlet/report.ts';
import type { Rating, RatingMap } from './gauntlet/state.ts';
import type { DecodedGradient } from '../trainer/codec.ts';
import { paramLayout } from '../trainer/layout.ts';
import { modelHash } from '../trainer/model-hash.ts';
import type { Dataset } from '../trainer/pages.ts';
import type { LossBatch } from '../trainer/reference/loss-batch.ts';

/** What the parent block left: its hash, state and model. */
export interface ParentState {
  readonly hash: Uint8Array;
  readonly accounts: AccountMap;
  readonly ratings: RatingMap;
  /** θ after the parent. Not modified. */
  readonly model: Float32Array;
  /** modelHash(model); the caller vouches that the two agree. */
  readonly modelHash: Uint8Array;
  /**
   * The rewards this block credits: earnedRewards(params, block at height − maturity), or null /
   * absent where there is none (maturity 0, or the first maturity blocks).
   */
  readonly maturing?: EarnedRewards | null;
  /**
   * The commitment to `accounts` and `ratings` (the caller vouches that they agree), so that the
   * state root costs what the block changes. Without it one is built from the maps: O(state).
   */
  readonly commitment?: StateCommitment;
}

export interface ConnectOptions {
  /** Compare the block's report, state root and model hash with the recomputed ones (default true). */
  readonly verify?: boolean;
  /** Runs the Gauntlet's scoring losses (a worker pool, say); the result must not depend on it. */
  readonly lossBatch?: LossBatch;
  /** Assume-valid: take the scoring from the block's own report, compute everything else (default false). */
  readonly trustScores?: boolean;
}

export interface ConnectedState {
  /** Accounts the block changed, as they are after it; EMPTY_ACCOUNT means the entry is deleted. */
  readonly changedAccounts: ReadonlyMap<string, Account>;
  /** The same keys before the block: undo data. */
  readonly previousAccounts: ReadonlyMap<string, Account>;
  /** The block's contributors' ratings after it. */
  readonly changedRatings: ReadonlyMap<string, Rating>;
  /** The same keys before the block; null where the block created the rating. */
  readonly previousRatings: ReadonlyMap<string, Rating | null>;
  /** θ' (the parent's own array when the block applied no update: never mutate it). */
  readonly model: Float32Array;
  readonly modelHash: Uint8Array;
  readonly report: readonly ReportEntry[];
  readonly stateRoot: Uint8Array;
  /** The tree nodes behind stateRoot: the parent's commitment takes them when the block is stored. */
  readonly stateUpdate: StateCommitmentUpdate;
  readonly subsidy: bigint;
  /** The miner's share of the subsidy plus the fees. */
  readonly minerReward: bigint;
  readonly fees: bigint;
  /** The part of the contributor pool nobody was paid. */
  readonly burned: bigint;
  /** What the contributors were paid in all. */
  readonly paid: bigint;
}

/** The header fields a block's content decides; a miner fills them in (buildGauntletBlock). */
export type DerivedHeaderField = 'txRoot' | 'contributionsRoot' | 'reportRoot' | 'stateRoot' | 'modelHash';

interface BlockContent {
  readonly header: Omit<Header, DerivedHeaderField>;
  readonly txs: readonly Transfer[];
  readonly contributions: readonly Contribution[];
}

function checkParent(header: Omit<Header, DerivedHeaderField>, parent: ParentState): void {
  if (!bytesEqual(header.parentHash, parent.hash)) throw new VerifyError('bad-prevblk', 'the block does not build on the given parent');
}

/** Steps 2 to 5 on filtered contributions and their decoded gradients. */
function transition(
  params: ChainParams,
  dataset: Dataset,
  parent: ParentState,
  content: BlockContent,
  gradients: readonly DecodedGradient[],
  scoring: { readonly lossBatch?: LossBatch | undefined; readonly trustedReport?: readonly ReportEntry[] | undefined },
): ConnectedState {
  const { header } = content;
  const accounts = new AccountOverlay(parent.accounts);
  const immediate = rewardMaturity(params) === 0;
  const maturing = checkMaturing(params, header.height, parent.maturing);
  if (maturing !== null) {
    accounts.credit(toHexKey(maturing.miner.address), maturing.miner.amount);
    for (const c of maturing.contributors) accounts.credit(toHexKey(c.address), c.amount);
  }
  let fees = 0n;
  for (const tx of content.txs) {
    applyTransfer(accounts, tx);
    fees += tx.fee;
  }
  const subsidy = subsidyAt(header.height, params.rewards);
  const split = splitReward(subsidy, params.rewards.minerShareBps);
  const minerReward = split.miner + fees;
  if (immediate) accounts.credit(toHexKey(header.minerAddress), minerReward);

  const gauntlet = runGauntlet({
    gauntlet: params.gauntlet,
    layout: paramLayout(params.model),
    dataset,
    parentHash: header.parentHash,
    contributionsRoot: contributionsRoot(content),
    model: parent.model,
    ratings: parent.ratings,
    contributions: content.contributions,
    gradients,
    pool: split.pool,
    ...(scoring.lossBatch === undefined ? {} : { lossBatch: scoring.lossBatch }),
    ...(scoring.trustedReport === undefined ? {} : { trustedReport: scoring.trustedReport }),
  });
  if (immediate) for (const entry of gauntlet.report) accounts.credit(toHexKey(entry.contributor), entry.reward);

  const previousRatings = new Map<string, Rating | null>();
  for (const key of gauntlet.ratings.keys()) previousRatings.set(key, parent.ratings.get(key) ?? null);
  const commitment = parent.commitment ?? StateCommitment.fromMaps(parent.accounts, parent.ratings);
  const stateUpdate = commitment.preview(accounts.changed, gauntlet.ratings);
  return Object.freeze({
    changedAccounts: accounts.changed,
    previousAccounts: accounts.previous,
    changedRatings: gauntlet.ratings,
    previousRatings,
    model: gauntlet.model,
    modelHash: gauntlet.modelChanged ? modelHash(gauntlet.model) : parent.modelHash,
    report: gauntlet.report,
    stateRoot: stateUpdate.stateRoot,
    stateUpdate,
    subsidy,
    minerReward,
    fees,
    burned: gauntlet.burned,
    paid: gauntlet.paid,
  });
}

/**
 * Connects `block` to `parent`: the state, ratings and model after it. Throws VerifyError when
 * the block breaks a rule (its contributions' filters, a transfer, or with `verify` its report,
 * state root or model hash).
 */
export function connectBlockState(params: ChainParams, dataset: Dataset, parent: ParentState, block: Block, opts: ConnectOptions = {}): ConnectedState {
  checkParent(block.header, parent);
  const gradients = checkContributions(params, block);
  const verify = opts.verify ?? true;
  // The one report field known before any evaluation: a cheap early rejection.
  if (verify) {
    block.contributions.forEach((c, i) => {
      if (!bytesEqual(block.report[i]!.contributor, contributorAddress(c))) {
        throw new VerifyError('bad-report-contributor', `report entry ${i} does not name the contribution's contributor`);
      }
    });
  }
  const state = transition(params, dataset, parent, block, gradients, {
    lossBatch: opts.lossBatch,
    trustedReport: opts.trustScores === true ? block.report : undefined,
  });
  if (verify) {
    checkReport(block.report, state.report);
    if (!bytesEqual(state.stateRoot, block.header.stateRoot)) {
      throw new VerifyError('bad-stateroot', 'header stateRoot does not match the accounts and ratings after the block');
    }
    if (!bytesEqual(state.modelHash, block.header.modelHash)) {
      throw new VerifyError('bad-modelhash', 'header modelHash does not match the model after the Gauntlet');
    }
  }
  return state;
}

export interface BlockDraft {
  /** Every header field but the five the content decides (nonce: where the search starts). */
  readonly header: Omit<Header, DerivedHeaderField>;
  readonly txs: readonly Transfer[];
  /** Contributions in canonical order that pass the filters (see selectContributions). */
  readonly contributions: readonly Contribution[];
}

export interface BuiltBlock {
  /** The unsolved block: roots, report, state root and model hash filled in. */
  readonly block: Block;
  readonly state: ConnectedState;
}

/**
 * For miners: runs the same transition as validators on a draft and fills in what it decides.
 * Throws the same VerifyError a validator would if a transfer or a contribution does not apply.
 */
export function buildGauntletBlock(params: ChainParams, dataset: Dataset, parent: ParentState, draft: BlockDraft, opts: Pick<ConnectOptions, 'lossBatch'> = {}): BuiltBlock {
  checkParent(draft.header, parent);
  const gradients = checkContributionList(params, draft.header.parentHash, draft.contributions);
  const state = transition(params, dataset, parent, draft, gradients, { lossBatch: opts.lossBatch });
  const body = { txs: draft.txs, contributions: draft.contributions, report: state.report };
  const header: Header = Object.freeze({
    ...draft.header,
    txRoot: txRoot(body),
    contributionsRoot: contributionsRoot(body),
    reportRoot: reportRoot(body),
    stateRoot: state.stateRoot,
    modelHash: state.modelHash,
  });
  return { block: Object.freeze({ header, ...body }), state };
}
