/**
 * Block templates: the unsolved block a miner searches a nonce for. Transfers are taken in the
 * order given (the mempool's), each applied to a running copy of the state; one that no longer
 * applies (spent by an earlier one, or a nonce gap) is skipped, not fatal. The state root comes
 * from the same state-transition function validators run.
 */
import type { ChainParams } from '../../consensus/params.ts';
import type { Block, Header, Transfer } from '../../consensus/types.ts';
import { HEADER_VERSION } from '../../consensus/params.ts';
import { expectedBits, type ParentContext } from '../../consensus/header-rules.ts';
import { AccountOverlay, applyBlock, applyTransfer, type AccountMap } from '../../consensus/state-transition.ts';
import { contributionsRoot, reportRoot, txRoot } from '../../consensus/ids.ts';
import { medianTimePast } from '../../consensus/pow/timestamps.ts';
import { isVerifyError } from '../../consensus/errors.ts';

export interface TemplateParent extends ParentContext {
  readonly accounts: AccountMap;
}

export interface TemplateOptions {
  readonly miner: Uint8Array;
  /** The miner's clock, seconds; the timestamp is raised to median time past + 1 if needed. */
  readonly now: number;
  readonly candidates?: readonly Transfer[];
  readonly maxTransfers?: number;
}

export interface Template {
  readonly block: Block;
  /** Candidates left out because they did not apply on this parent. */
  readonly skipped: number;
}

export function buildTemplate(params: ChainParams, parent: TemplateParent, opts: TemplateOptions): Template {
  const overlay = new AccountOverlay(parent.accounts);
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
  const body = { txs, contributions: [], report: [] };
  const timestamp = Math.max(opts.now, medianTimePast(parent.recentTimestamps) + 1);
  const unsolved: Header = {
    version: HEADER_VERSION,
    height: parent.header.height + 1,
    parentHash: parent.hash,
    timestamp,
    bits: expectedBits(params, parent.header, parent.anchorTimestamp),
    nonce: 0n,
    minerAddress: opts.miner,
    txRoot: txRoot(body),
    contributionsRoot: contributionsRoot(body),
    reportRoot: reportRoot(body),
    stateRoot: new Uint8Array(32),
    modelHash: parent.header.modelHash,
  };
  const effects = applyBlock(params, parent.accounts, { header: unsolved, ...body }, parent.header.modelHash, { verifyRoots: false });
  const header = Object.freeze({ ...unsolved, stateRoot: effects.stateRoot });
  return { block: Object.freeze({ header, ...body }), skipped };
}
