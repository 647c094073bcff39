/**
 * What the network needs from the rest of the node, and nothing more. chain/chain.ts's Chain
 * satisfies NetworkChain as it is; the mempool and the contribution pool plug in through the two
 * small interfaces below (both optional: without them, gossiped transfers and contributions are
 * checked for size and encoding and then neither kept nor relayed).
 */
import type { ChainParams } from '../../consensus/params.ts';
import type { Contribution, Header, Transfer } from '../../consensus/types.ts';

export interface NetworkChainEntry {
  readonly hash: Uint8Array;
  readonly height: number;
  readonly header: Header;
  /** Cumulative work of the entry's chain, genesis included. */
  readonly chainwork: bigint;
}

export type NetworkAddStatus = 'connected' | 'reorganized' | 'side' | 'orphan' | 'duplicate';

export interface NetworkAddResult {
  readonly status: NetworkAddStatus;
  /** For 'orphan': the missing ancestor. */
  readonly missing?: Uint8Array;
}

export interface NetworkChain {
  readonly params: ChainParams;
  genesis(): NetworkChainEntry;
  tip(): NetworkChainEntry;
  getEntry(hash: Uint8Array): NetworkChainEntry | undefined;
  getEntryAtHeight(height: number): NetworkChainEntry | undefined;
  isMainChain(hash: Uint8Array): boolean;
  getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined>;
  getLocator(): Uint8Array[];
  getHeadersAfter(locator: readonly Uint8Array[], max: number): Header[];
  /** Why a block was found invalid, if it was: its hash is never fetched again. */
  getInvalid(hash: Uint8Array): { readonly code: string; readonly reason: string } | undefined;
  /**
   * Validates and stores a block. Throws VerifyError (consensus/errors.ts) when it breaks a rule
   * or, code 'low-work', when its branch trails the tip too far to be stored; its score (100 =
   * provably invalid) decides what the sender pays. `requested`: the block was fetched because a
   * validated header chain with more work leads through it (the work bound does not apply).
   */
  addBlock(block: Uint8Array, options?: { readonly requested?: boolean }): Promise<NetworkAddResult>;
  /** Assume-valid sync: checked headers, so the chain knows which blocks lead to the accepted hash. */
  noteHeaders?(headers: readonly Header[]): void;
  /** Whether the accepted hash's header is still unseen: the sync then fetches headers before bodies. */
  awaitingAssumeValid?(): boolean;
  /** How the next block is scored: 'assume-valid' (the report's scores) or 'full'. */
  scoringMode?(): 'assume-valid' | 'full';
}

/**
 * What a pool says about a gossiped item: 'accept' keeps and relays it; 'ignore' drops it without
 * blame (a duplicate, a nonce not yet usable, a full pool: things that depend on the pool's state);
 * 'reject' means invalid whatever the state (a bad signature, another chain id): the sender is banned.
 */
export type Verdict = 'accept' | 'ignore' | 'reject';

export interface NetworkMempool {
  addTransfer(tx: Transfer, bytes: Uint8Array, from: string): Verdict | Promise<Verdict>;
  /** Encoded pending transfers to offer a peer that just connected, in block order, at most `max`. */
  pooled?(max: number): Uint8Array[];
}

export interface NetworkContributions {
  addContribution(contribution: Contribution, bytes: Uint8Array, from: string): Verdict | Promise<Verdict>;
  /** Encoded contributions held for the tip, to offer a peer that just connected, at most `max`. */
  pooled?(max: number): Uint8Array[];
}
