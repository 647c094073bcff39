/**
 * The full state-transition function of a block: what connecting it to its parent does to the
 * accounts, the contributors' ratings and the model, and the Gauntlet report it must carry.
 *
 * In order:
 *   1. the contributions pass the Gauntlet's filters (gauntlet/filters.ts);
 *   2. the transfers apply in block order (consensus/state-transition.ts' rules);
 *   3. the miner is credited its share of the subsidy plus every fee;
 *   4. the Gauntlet scores the contributions, updates their ratings and the network's reward
 *      record (a reserved ratings leaf: gauntlet/network-record.ts), divides the contributor pool
 *      and aggregates the best into θ' (gauntlet/gauntlet.ts); each contributor is credited its
 *      reward, in report order; what is not paid is burned;
 *   5. the state root commits to the accounts and ratings after all of it.
 *
 * With `verify` (the default) the block must agree with all of it: its report entry by entry
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
import { AccountOverlay, applyTransfer, mergeAccounts, type AccountMap } from './state-transition.ts';
import { computeFullStateRoot } from './state-root.ts';
import { splitReward, subsidy as subsidyAt } from './subsidy.ts';
import { checkContributionList, checkContributions, contributorAddress } from './gauntlet/filters.ts';
import { runGauntlet } from './gauntlet/gauntlet.ts';
import { checkReport } from './gauntlet/report.ts';
import type { Rating, RatingMap } from './gauntlet/state.ts';
import { mergeRatings } from './gauntlet/state.ts';
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
}

export interface ConnectOptions {
  /** Compare the block's report, state root and model hash with the recomputed ones (default true). */
  readonly verify?: boolean;
  /** Runs the Gauntlet's scoring losses (a worker pool, say); the result must not depend on it. */
  readonly lossBatch?: LossBatch;
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
  lossBatch: LossBatch | undefined,
): ConnectedState {
  const { header } = content;
  const accounts = new AccountOverlay(parent.accounts);
  let fees = 0n;
  for (const tx of content.txs) {
    applyTransfer(accounts, tx);
    fees += tx.fee;
  }
  const subsidy = subsidyAt(header.height, params.rewards);
  const split = splitReward(subsidy, params.rewards.minerShareBps);
  const minerReward = split.miner + fees;
  accounts.credit(toHexKey(header.minerAddress), minerReward);

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
    ...(lossBatch === undefined ? {} : { lossBatch }),
  });
  for (const entry of gauntlet.report) accounts.credit(toHexKey(entry.contributor), entry.reward);

  const previousRatings = new Map<string, Rating | null>();
  for (const key of gauntlet.ratings.keys()) previousRatings.set(key, parent.ratings.get(key) ?? null);
  const stateRoot = computeFullStateRoot(mergeAccounts(parent.accounts, accounts.changed), mergeRatings(parent.ratings, gauntlet.ratings));
  return Object.freeze({
    changedAccounts: accounts.changed,
    previousAccounts: accounts.previous,
    changedRatings: gauntlet.ratings,
    previousRatings,
    model: gauntlet.model,
    modelHash: gauntlet.modelChanged ? modelHash(gauntlet.model) : parent.modelHash,
    report: gauntlet.report,
    stateRoot,
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
  const state = transition(params, dataset, parent, block, gradients, opts.lossBatch);
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
  const state = transition(params, dataset, parent, draft, gradients, opts.lossBatch);
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
