/**
 * The state-transition function for accounts: apply a block's transfers in order, pay the miner
 * its share of the subsidy plus the fees, burn the contributor pool (nobody is scored yet), and
 * compute the state root the header must commit to. Pure: it returns the changes and their undo
 * data and never mutates its input.
 */
import { VerifyError } from './errors.ts';
import type { ChainParams } from './params.ts';
import type { Account, Block, Transfer } from './types.ts';
import { EMPTY_ACCOUNT } from './types.ts';
import { addressHash } from './address.ts';
import { bytesEqual, toHexKey } from './bytes.ts';
import { MAX_AMOUNT } from './block-rules.ts';
import { computeFullStateRoot } from './state-root.ts';
import { StateCommitment } from './state-commitment.ts';
import type { Rating, RatingMap } from './gauntlet/state.ts';
import { splitReward, subsidy as subsidyAt } from './subsidy.ts';

/** Accounts keyed by the lowercase hex of their 20-byte address; absent means empty. */
export type AccountMap = ReadonlyMap<string, Account>;

export interface BlockEffects {
  /** Accounts the block changed, as they are after it; EMPTY_ACCOUNT means the entry is deleted. */
  readonly changed: ReadonlyMap<string, Account>;
  /** The same keys as they were before the block: the undo data of a disconnect. */
  readonly previous: ReadonlyMap<string, Account>;
  readonly stateRoot: Uint8Array;
  readonly subsidy: bigint;
  readonly minerReward: bigint;
  readonly fees: bigint;
  readonly burned: bigint;
}

const NO_RATINGS: RatingMap = new Map<string, Rating>();

export function isEmptyAccount(a: Account): boolean {
  return a.balance === 0n && a.nonce === 0n;
}

/** A copy-on-write view: reads fall through to the base map, writes record undo data once. */
export class AccountOverlay {
  readonly changed = new Map<string, Account>();
  readonly previous = new Map<string, Account>();
  private readonly base: AccountMap;
  constructor(base: AccountMap) {
    this.base = base;
  }
  get(key: string): Account {
    return this.changed.get(key) ?? this.base.get(key) ?? EMPTY_ACCOUNT;
  }
  set(key: string, account: Account): void {
    if (!this.previous.has(key)) this.previous.set(key, this.base.get(key) ?? EMPTY_ACCOUNT);
    this.changed.set(key, Object.freeze({ ...account }));
  }
  credit(key: string, amount: bigint): void {
    if (amount === 0n) return;
    const acct = this.get(key);
    const balance = acct.balance + amount;
    if (balance > MAX_AMOUNT) throw new VerifyError('bad-tx-overflow', `balance of ${key} would exceed the maximum amount`);
    this.set(key, { balance, nonce: acct.nonce });
  }
}

/** Stateful rules of one transfer against the accounts it reads (nonce, balance). */
export function applyTransfer(state: AccountOverlay, tx: Transfer): void {
  const sender = toHexKey(addressHash(tx.senderPublicKey));
  const from = state.get(sender);
  if (tx.nonce !== from.nonce) {
    throw new VerifyError('bad-tx-nonce', `transfer nonce ${tx.nonce}, sender's account is at ${from.nonce}`);
  }
  const cost = tx.amount + tx.fee;
  if (from.balance < cost) {
    throw new VerifyError('bad-tx-balance', `sender holds ${from.balance}, transfer needs ${cost}`);
  }
  state.set(sender, { balance: from.balance - cost, nonce: from.nonce + 1n });
  state.credit(toHexKey(tx.recipient), tx.amount);
}

/** Checks a transfer against a state (for the mempool); throws the same errors as a block would. */
export function checkTransferAgainstState(accounts: AccountMap, tx: Transfer): void {
  applyTransfer(new AccountOverlay(accounts), tx);
}

/** The state root of a full account map and no ratings (empty accounts are not in the state). */
export function computeStateRoot(accounts: AccountMap): Uint8Array {
  return computeFullStateRoot(accounts, NO_RATINGS);
}

/** The account map after applying `changed` to `base` (a new map, a full copy: for tests and tools). */
export function mergeAccounts(base: AccountMap, changed: ReadonlyMap<string, Account>): Map<string, Account> {
  const merged = new Map(base);
  for (const [k, a] of changed) {
    if (isEmptyAccount(a)) merged.delete(k);
    else merged.set(k, a);
  }
  return merged;
}

export function applyBlock(
  params: ChainParams,
  accounts: AccountMap,
  block: Block,
  parentModelHash: Uint8Array,
  opts: { readonly verifyRoots?: boolean; readonly commitment?: StateCommitment } = {},
): BlockEffects {
  const state = new AccountOverlay(accounts);
  let fees = 0n;
  for (const tx of block.txs) {
    applyTransfer(state, tx);
    fees += tx.fee;
  }
  const subsidy = subsidyAt(block.header.height, params.rewards);
  const split = splitReward(subsidy, params.rewards.minerShareBps);
  const minerReward = split.miner + fees;
  state.credit(toHexKey(block.header.minerAddress), minerReward);
  const commitment = opts.commitment ?? StateCommitment.fromMaps(accounts, NO_RATINGS);
  const stateRoot = commitment.preview(state.changed, NO_RATINGS).stateRoot;
  if (opts.verifyRoots ?? true) {
    if (!bytesEqual(stateRoot, block.header.stateRoot)) {
      throw new VerifyError('bad-stateroot', 'header stateRoot does not match the state after the block');
    }
    if (!bytesEqual(parentModelHash, block.header.modelHash)) {
      throw new VerifyError('bad-modelhash', 'a block without an aggregated update must keep its parent model hash');
    }
  }
  return Object.freeze({
    changed: state.changed,
    previous: state.previous,
    stateRoot,
    subsidy,
    minerReward,
    fees,
    burned: split.pool,
  });
}
