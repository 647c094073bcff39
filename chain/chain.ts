/**
 * The chain: the block tree on ChainDB, heaviest-work fork choice and reorganisations, in the
 * manner of bcoin's chain.js and Bitcoin Core's ActivateBestChain.
 *
 * A block is accepted into the tree once its header (against its parent) and its body (stateless
 * rules, signatures included) pass; it is stored with its entry whether or not it extends the main
 * chain, as long as its branch's work is within the window of the tip's. The state rules run when a block is connected: the full state transition of
 * consensus/connect.ts, transfers and the Gauntlet, which moves the accounts, the contributors'
 * ratings and the model; all three are kept in memory for the tip and stored with undo data, and
 * the state trees committing to the accounts and ratings (consensus/state-commitment.ts) move with
 * them, their bucket roots stored in the same batches. What a peer must pay before anything is
 * stored or recorded is set by chain/cost-policy.ts. Fork choice picks the entry with the most
 * cumulative work, ties to the one seen first (a persisted sequence number). Switching branches
 * disconnects back to the fork with undo data and connects the new branch block by block; a block
 * that fails is marked invalid with its descendants, on disk, and the chain settles on the best
 * valid entry left, which may be a prefix of the failed branch or the old chain.
 *
 * With an assume-valid hash (chain/assume-valid.ts), a block on the chain leading to it is
 * connected with the scores its report states (consensus/connect.ts `trustScores`); everything
 * else about it is still checked. Any other block is scored in full.
 *
 * Every storage change is one atomic batch (chain/db/chaindb.ts) and in-memory state changes only
 * after its batch is written, so memory and disk agree after any failure; on open, the chain
 * finishes any reorganisation a crash interrupted by activating the best chain again.
 */
import { EventEmitter } from 'node:events';
import type { Account, Block, Header } from '../consensus/types.ts';
import { EMPTY_ACCOUNT } from '../consensus/types.ts';
import type { ChainParams } from '../consensus/params.ts';
import { isVerifyError, VerifyError } from '../consensus/errors.ts';
import { checkHeader, checkHeaderSanity, meetsContextTarget } from '../consensus/header-rules.ts';
import { checkBlockBody, checkBlockCommitments } from '../consensus/block-rules.ts';
import type { AccountMap } from '../consensus/state-transition.ts';
import { connectBlockState, type ParentState } from '../consensus/connect.ts';
import { earnedRewards, maturingHeight, type EarnedRewards } from '../consensus/maturity.ts';
import { bucketRootChanges, StateCommitment } from '../consensus/state-commitment.ts';
import type { ParentContext } from '../consensus/header-rules.ts';
import type { Rating, RatingMap } from '../consensus/gauntlet/state.ts';
import { paramLayout } from '../trainer/layout.ts';
import { modelHash } from '../trainer/model-hash.ts';
import type { Dataset } from '../trainer/pages.ts';
import type { LossBatch } from '../trainer/reference/loss-batch.ts';
import { workFromBits } from '../consensus/pow/work.ts';
import { bytesEqual, toHexKey } from '../consensus/bytes.ts';
import { fromHex, toHex } from '../consensus/hash.ts';
import { decodeBlock, encodeBlock } from './block.ts';
import { headerHash } from './header.ts';
import { DecodeError } from './errors.ts';
import type { Genesis } from './genesis.ts';
import { ChainDB } from './db/chaindb.ts';
import { ChainDBError } from './db/errors.ts';
import { compareEntries, ENTRY_FLAGS, hasFlag, makeEntry, withStatus, type ChainEntry } from './db/entry.ts';
import type { InvalidRecord } from './db/records.ts';
import { BlockIndex, type ChainTip } from './block-index.ts';
import { DEFAULT_ORPHAN_LIMITS, OrphanPool, type OrphanLimits } from './orphans.ts';
import { Mutex } from './mutex.ts';
import { diffModel, restoreModel } from './model-undo.ts';
import { checkNetworkDataset, DatasetError, NO_DATASET } from './dataset.ts';
import { AssumeValid, type ScoringMode } from './assume-valid.ts';
import { checkForkWork, checkOrphanWork, DEFAULT_COST_POLICY, type CostPolicy } from './cost-policy.ts';

export type { ChainEntry } from './db/entry.ts';
export type { ChainTip } from './block-index.ts';

export interface ChainOptions {
  /** The LevelDB directory of the chain. */
  readonly location: string;
  /** The network (chain/genesis.ts); the datadir must have been created from the same one. */
  readonly genesis: Genesis;
  /** fsync every batch; see chain/db/chaindb.ts. */
  readonly sync?: boolean;
  /** The local clock in seconds, for the future-timestamp limit. Default: the wall clock. */
  readonly clock?: () => number;
  readonly orphanLimits?: Partial<OrphanLimits>;
  /** What peers pay before the chain stores or records what they send (chain/cost-policy.ts). */
  readonly costPolicy?: Partial<CostPolicy>;
  /**
   * The network's dataset (src/gauntlet/dataset.ts loads it), checked against the genesis' corpus
   * hash and page size on open. Without it the chain follows only blocks without contributions:
   * connecting one that has any throws DatasetError('no-dataset').
   */
  readonly dataset?: Dataset;
  /**
   * Computes the Gauntlet's scoring losses when a block is connected (the node injects its pool of
   * verifier threads, src/verifier/); the sequential reference evaluator when absent. The results
   * must not depend on it.
   */
  readonly lossBatch?: LossBatch;
  /**
   * Assume-valid: the hash of a block whose ancestors (and itself) are connected with the scores
   * their reports state. Null or absent scores every block; the genesis hash trusts nothing.
   */
  readonly assumeValid?: Uint8Array | null;
}

/** Everything a block built on the tip starts from: the header context and the tip's state. */
export interface TipState extends ParentContext {
  /** Live: it changes as the tip moves. */
  readonly accounts: AccountMap;
  /** Live: it changes as the tip moves. */
  readonly ratings: RatingMap;
  /** θ after the tip. Never mutated (a new array replaces it), so it is safe to hold. */
  readonly model: Float32Array;
  /** The rewards the next block credits (consensus/maturity.ts), or null. */
  readonly maturing: EarnedRewards | null;
  /** Live: the commitment to the tip's accounts and ratings (a block's root costs what it changes). */
  readonly commitment: StateCommitment;
}

export type AddStatus = 'connected' | 'reorganized' | 'side' | 'orphan' | 'duplicate';

export interface AddResult {
  readonly status: AddStatus;
  readonly hash: Uint8Array;
  readonly height: number;
  /** The tip once the call is done (after any orphans it released). */
  readonly tip: ChainEntry;
  /** For 'orphan': the missing ancestor to request. */
  readonly missing?: Uint8Array;
}

/** How the main chain moved: blocks taken off (old tip first) and put on (fork's child first). */
export interface TipChange {
  readonly from: ChainEntry;
  readonly to: ChainEntry;
  readonly fork: ChainEntry;
  readonly disconnected: readonly Block[];
  readonly connected: readonly Block[];
}

export interface ChainEvents {
  /** The tip moved (emitted once per addBlock, after the blocks' own events). */
  tip: [TipChange];
  /** The tip moved to another branch (disconnected is not empty). */
  reorg: [TipChange];
  /** A block joined the main chain. */
  block: [Block, ChainEntry];
  /** A block left the main chain. */
  disconnect: [Block, ChainEntry];
  /** A block was found invalid and marked (its descendants are marked 'invalid-ancestor'). */
  invalid: [Uint8Array, VerifyError];
}

export interface AddOptions {
  /** The local clock in seconds for this call (default: the chain's clock). */
  readonly now?: number;
  /**
   * The block was asked for because a validated header chain with more work than the tip leads
   * through it (headers-first sync): the work bound of chain/cost-policy.ts does not apply, as
   * Bitcoin Core's requested blocks. Unsolicited blocks (gossip, RPC) are held to it.
   */
  readonly requested?: boolean;
}

/** Failure of a branch being connected: the block that broke a rule and why. */
interface ConnectFailure {
  readonly entry: ChainEntry;
  readonly error: VerifyError;
}

export class Chain extends EventEmitter<ChainEvents> {
  readonly params: ChainParams;
  readonly #db: ChainDB;
  readonly #index: BlockIndex;
  readonly #accounts: Map<string, Account>;
  readonly #ratings: Map<string, Rating>;
  /** The state trees of the tip's accounts and ratings: updated with them, batch after batch. */
  readonly #commitment: StateCommitment;
  /** The tip's model; replaced, never written into. */
  #model: Float32Array;
  /** What a block on the tip credits: the rewards earned maturity blocks before it. */
  #nextMaturing: EarnedRewards | null = null;
  readonly #dataset: Dataset | null;
  readonly #lossBatch: LossBatch | undefined;
  readonly #assumeValid: AssumeValid | null;
  readonly #orphans: OrphanPool;
  readonly #costPolicy: CostPolicy;
  readonly #mutex = new Mutex();
  readonly #clock: () => number;
  /** Blocks read or received during the current call, so a reorg reads each from disk once. */
  readonly #blocks = new Map<string, Block>();
  #closed = false;

  private constructor(params: ChainParams, db: ChainDB, index: BlockIndex, state: LoadedState, options: ChainOptions) {
    super();
    this.params = params;
    this.#db = db;
    this.#index = index;
    this.#accounts = state.accounts;
    this.#ratings = state.ratings;
    this.#commitment = state.commitment;
    this.#model = state.model;
    this.#dataset = options.dataset ?? null;
    this.#lossBatch = options.lossBatch;
    this.#assumeValid = options.assumeValid ? new AssumeValid(options.assumeValid, options.genesis.hash) : null;
    this.#orphans = new OrphanPool({ ...DEFAULT_ORPHAN_LIMITS, ...options.orphanLimits });
    this.#costPolicy = { ...DEFAULT_COST_POLICY, ...options.costPolicy };
    this.#clock = options.clock ?? ((): number => Math.floor(Date.now() / 1000));
  }

  /**
   * Opens the chain in `location`, writing the genesis on first use. Throws ChainDBError when the
   * datadir is in use, of another version, of another network, or damaged (a stored model that
   * does not hash to the tip's model hash), and DatasetError when `dataset` is not the network's.
   */
  static async open(options: ChainOptions): Promise<Chain> {
    const { genesis } = options;
    if (options.dataset) checkNetworkDataset(genesis.params, options.dataset);
    const db = await ChainDB.open(options.location, { sync: options.sync ?? false });
    try {
      if (db.fresh) {
        const entry = makeEntry(
          genesis.hash,
          genesis.block.header,
          workFromBits(genesis.block.header.bits),
          ENTRY_FLAGS.VALID | ENTRY_FLAGS.HAS_BLOCK,
          0,
        );
        const buckets = StateCommitment.fromMaps(genesis.accounts, new Map()).bucketRoots();
        await db.initialize(entry, encodeBlock(genesis.block), genesis.accounts, genesis.model, buckets);
      } else {
        const stored = await db.getGenesisHash();
        if (!stored || !bytesEqual(stored, genesis.hash)) {
          throw new ChainDBError(
            'wrong-network',
            `datadir ${options.location} belongs to the network with genesis ${stored ? toHex(stored) : '(none)'}, not ${toHex(genesis.hash)}`,
          );
        }
      }
      const index = new BlockIndex();
      const headers: Header[] = [];
      for await (const entry of db.entries()) {
        index.set(entry);
        if (options.assumeValid) headers.push(entry.header);
      }
      for await (const [hash, record] of db.invalid()) index.setInvalid(hash, record, !index.get(hash));
      const tipHash = await db.getTipHash();
      const tip = tipHash && index.get(tipHash);
      if (!tip) throw new ChainDBError('corrupt', `datadir ${options.location}: the tip record names no stored block`);
      index.setTip(tip);
      const state = await loadState(db, genesis.params, tip);
      const chain = new Chain(genesis.params, db, index, state, options);
      chain.#assumeValid?.noteHeaders(headers);
      // A crash may have stopped a reorganisation half way: finish it.
      await chain.#mutex.run(async () => {
        await chain.#activate(null);
        chain.#nextMaturing = await chain.#maturingFor(chain.height() + 1);
        chain.#blocks.clear();
      });
      return chain;
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  tip(): ChainEntry {
    return this.#index.tip;
  }

  height(): number {
    return this.#index.tip.height;
  }

  genesis(): ChainEntry {
    return this.#index.genesis;
  }

  getEntry(hash: Uint8Array): ChainEntry | undefined {
    return this.#index.get(hash);
  }

  isMainChain(hash: Uint8Array): boolean {
    const entry = this.#index.get(hash);
    return entry !== undefined && this.#index.isMain(entry);
  }

  getEntryAtHeight(height: number): ChainEntry | undefined {
    return this.#index.atHeight(height);
  }

  getHashAtHeight(height: number): Uint8Array | undefined {
    return this.#index.atHeight(height)?.hash;
  }

  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    return this.#db.getBlock(hash);
  }

  async getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#db.getBlockBytes(hash);
  }

  getAccount(address: Uint8Array): Account {
    return this.#accounts.get(toHexKey(address)) ?? EMPTY_ACCOUNT;
  }

  /** The tip's accounts (live: it changes as the tip moves; copy it to keep a snapshot). */
  accounts(): AccountMap {
    return this.#accounts;
  }

  /** The tip's contributor ratings (live: it changes as the tip moves). */
  ratings(): RatingMap {
    return this.#ratings;
  }

  getRating(address: Uint8Array): Rating | undefined {
    return this.#ratings.get(toHexKey(address));
  }

  /** θ after the tip: never mutated (the next tip brings a new array), so it may be held. */
  model(): Float32Array {
    return this.#model;
  }

  /** The dataset the chain scores contributions on, or null if it was opened without one. */
  dataset(): Dataset | null {
    return this.#dataset;
  }

  /** What a block on the current tip builds on (for templates and contributors). */
  tipState(): TipState {
    return {
      ...this.#index.context(this.#index.tip),
      accounts: this.#accounts,
      ratings: this.#ratings,
      model: this.#model,
      maturing: this.#nextMaturing,
      commitment: this.#commitment,
    };
  }

  /** Why a block was marked invalid, if it was. */
  getInvalid(hash: Uint8Array): InvalidRecord | undefined {
    return this.#index.invalidRecord(hash);
  }

  /** Blocks remembered as invalid, and how many of them were never stored (the capped kind). */
  invalidCounts(): { readonly total: number; readonly unstored: number } {
    return this.#index.invalidCounts();
  }

  hasOrphan(hash: Uint8Array): boolean {
    return this.#orphans.has(hash);
  }

  orphanCount(): number {
    return this.#orphans.size;
  }

  getLocator(): Uint8Array[] {
    return this.#index.locator();
  }

  findForkPoint(locator: readonly Uint8Array[]): ChainEntry {
    return this.#index.findLocatorFork(locator);
  }

  getHeadersAfter(locator: readonly Uint8Array[], max: number): Header[] {
    return this.#index.headersAfter(locator, max);
  }

  getChainTips(): ChainTip[] {
    return this.#index.chainTips();
  }

  /** How the next block on the tip would be scored: 'assume-valid' while the tip is below the accepted block on its chain. */
  scoringMode(): ScoringMode {
    return this.#assumeValid?.modeAfter(this.#index.tip.hash) ?? 'full';
  }

  /** Whether an assume-valid hash is set whose header has not been seen yet (a sync may fetch headers first). */
  awaitingAssumeValid(): boolean {
    return this.#assumeValid !== null && !this.#assumeValid.seen;
  }

  /**
   * Headers a sync has checked (proof of work and context): they tell the chain which blocks lead
   * to the assume-valid hash before the blocks themselves arrive. Nothing else is kept.
   */
  noteHeaders(headers: readonly Header[]): void {
    this.#assumeValid?.noteHeaders(headers);
  }

  // ---- mutations -----------------------------------------------------------------------------

  /**
   * Adds a block (decoded or as bytes). Throws VerifyError when it is invalid, after marking it
   * invalid on disk where the error says so (VerifyError.markInvalid: not for a body that does not
   * match its header, a timestamp only too far ahead of our clock, or a header that misses the
   * target its context requires), and 'low-work' for a branch too far below the tip to be stored.
   */
  async addBlock(input: Block | Uint8Array, options: AddOptions = {}): Promise<AddResult> {
    if (this.#closed) throw new ChainDBError('closed', `chain at ${this.#db.location} is closed`);
    return this.#mutex.run(async () => {
      if (this.#closed) throw new ChainDBError('closed', `chain at ${this.#db.location} is closed`);
      try {
        return await this.#add(input, options.now ?? this.#clock(), options.requested ?? false);
      } finally {
        this.#blocks.clear();
      }
    });
  }

  /** Waits for queued work, then closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#mutex.run(() => this.#db.close());
  }

  async #add(input: Block | Uint8Array, now: number, requested: boolean): Promise<AddResult> {
    const { block, bytes } = decodeInput(input);
    const hash = headerHash(block.header);
    const key = toHex(hash);
    const height = block.header.height;
    const known = this.#index.invalidRecord(key);
    if (known) {
      throw new VerifyError(known.code, `block ${key} is known invalid: ${known.reason}`);
    }
    if (this.#index.get(key) || this.#orphans.has(hash)) return { status: 'duplicate', hash, height, tip: this.#index.tip };
    checkHeaderSanity(this.params, block.header, hash);
    const parent = this.#index.get(block.header.parentHash);
    if (!parent) {
      if (this.#index.invalidRecord(block.header.parentHash)) {
        throw await this.#rejectDescendant(hash, block.header.parentHash);
      }
      // Nothing is cached under a hash before the body is known to be the one it names.
      checkBlockCommitments(block);
      if (!requested) checkOrphanWork(this.#costPolicy, block.header, this.#index.tip);
      this.#orphans.add({ hash, block, bytes });
      const missing = this.#orphans.missingAncestor(hash) ?? block.header.parentHash;
      return { status: 'orphan', hash, height, tip: this.#index.tip, missing };
    }
    const from = this.#index.tip;
    let status: AddStatus | undefined;
    let failure: VerifyError | undefined;
    try {
      const change = await this.#accept(block, bytes, hash, parent, now, requested);
      status = this.#statusOf(key, from, change);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      failure = err;
    }
    // The block's own status is settled before its orphans move the tip further.
    await this.#releaseOrphans(hash, now);
    if (failure) throw failure;
    if (!status) {
      const record = this.#index.invalidRecord(key)!;
      throw new VerifyError(record.code, record.reason);
    }
    return { status, hash, height, tip: this.#index.tip };
  }

  /** 'connected', 'reorganized' or 'side' for a stored block; undefined if it was found invalid. */
  #statusOf(key: string, from: ChainEntry, change: TipChange | null): AddStatus | undefined {
    const entry = this.#index.get(key)!;
    if (hasFlag(entry, ENTRY_FLAGS.INVALID)) return undefined;
    if (!this.#index.isMain(entry)) return 'side';
    return change !== null && !bytesEqual(change.fork.hash, from.hash) ? 'reorganized' : 'connected';
  }

  /**
   * Checks a block against its parent and the stateless rules, stores it, and activates the best
   * chain if it now leads. Returns how the tip moved, if it did.
   */
  async #accept(block: Block, bytes: Uint8Array, hash: Uint8Array, parent: ChainEntry, now: number, requested: boolean): Promise<TipChange | null> {
    if (hasFlag(parent, ENTRY_FLAGS.INVALID)) throw await this.#rejectDescendant(hash, parent.hash);
    try {
      checkHeader(this.params, block.header, hash, this.#index.context(parent), now);
    } catch (err) {
      if (isVerifyError(err) && err.markInvalid) await this.#markFailed(hash, err);
      throw err;
    }
    const chainwork = parent.chainwork + workFromBits(block.header.bits);
    // Before the body costs anything: a branch that trails the tip too far is not stored.
    if (!requested) checkForkWork(this.#costPolicy, chainwork, this.#index.tip);
    try {
      checkBlockBody(this.params, block, bytes.length);
    } catch (err) {
      if (isVerifyError(err) && err.markInvalid) await this.#markFailed(hash, err);
      throw err;
    }
    const entry = makeEntry(hash, block.header, chainwork, ENTRY_FLAGS.HAS_BLOCK, this.#index.allocateSequence());
    await this.#db.saveBlock(entry, bytes);
    this.#index.set(entry);
    this.#assumeValid?.noteHeaders([block.header]);
    this.#blocks.set(toHex(hash), block);
    if (compareEntries(entry, this.#index.tip) <= 0) return null;
    return this.#activate(entry);
  }

  /**
   * Accepts the orphans waiting on `hash`, then theirs, breadth first; the descendants of a block
   * marked invalid are refused and marked in turn. A block that was neither stored nor marked
   * (too new for our clock, or a body that did not match) keeps its orphans waiting.
   */
  async #releaseOrphans(hash: Uint8Array, now: number): Promise<void> {
    // Descendants of an invalid block refused here without a record (see #rejectDescendant).
    const refused = new Set<string>();
    const queue = [hash];
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (!this.#index.get(next) && !this.#index.invalidRecord(next) && !refused.has(toHex(next))) continue;
      for (const orphan of this.#orphans.takeChildren(next)) {
        // Looked up per orphan: accepting a sibling may have found the parent's branch invalid.
        const parent = this.#index.get(next);
        try {
          if (parent) await this.#accept(orphan.block, orphan.bytes, orphan.hash, parent, now, false);
          else throw await this.#rejectDescendant(orphan.hash, next);
        } catch (err) {
          if (!isVerifyError(err)) throw err;
          // Its failure was marked (and reported) where that applies; the orphan is dropped.
          if (err.code === 'invalid-ancestor') refused.add(toHex(orphan.hash));
        }
        queue.push(orphan.hash);
      }
    }
  }

  /**
   * Moves the tip to the best valid chain (starting with `candidate` when the caller knows it is
   * the best). A block found invalid on the way is marked with its descendants and the search
   * starts again, so this ends on the best valid entry of the tree.
   */
  async #activate(candidate: ChainEntry | null): Promise<TipChange | null> {
    const from = this.#index.tip;
    let target = candidate ?? this.#index.best();
    try {
      while (!bytesEqual(target.hash, this.#index.tip.hash)) {
        const failure = await this.#reorganizeTo(target);
        if (!failure) break;
        await this.#invalidate(failure.entry, failure.error);
        target = this.#index.best();
      }
    } catch (err) {
      // Not the blocks' fault (a missing dataset, a disk error): nothing is marked, and the tip
      // goes back to the best chain already known valid rather than stay where the error left it.
      await this.#rollBack();
      await this.#announce(from);
      throw err;
    }
    return this.#announce(from);
  }

  /**
   * After a reorganisation failed on an error that is not a rule broken: moves the tip to the
   * best entry whose transition was already applied once. If that fails too, the tip stays where
   * it is and the next activation (the next block, or the next open) tries again.
   */
  async #rollBack(): Promise<void> {
    const target = this.#index.bestValid();
    if (bytesEqual(target.hash, this.#index.tip.hash)) return;
    try {
      await this.#reorganizeTo(target);
    } catch {
      // The original error is the one reported; this state is as consistent as any batch leaves it.
    }
  }

  /** Emits the events of the tip's move from `from` to where it is now. */
  async #announce(from: ChainEntry): Promise<TipChange | null> {
    const to = this.#index.tip;
    if (bytesEqual(from.hash, to.hash)) return null;
    this.#nextMaturing = await this.#maturingFor(to.height + 1);
    const change = await this.#describe(from, to);
    for (const block of change.disconnected) this.emit('disconnect', block, this.#index.get(headerHash(block.header))!);
    for (const block of change.connected) this.emit('block', block, this.#index.get(headerHash(block.header))!);
    if (change.disconnected.length > 0) this.emit('reorg', change);
    this.emit('tip', change);
    return change;
  }

  async #reorganizeTo(target: ChainEntry): Promise<ConnectFailure | null> {
    const fork = this.#index.findFork(this.#index.tip, target);
    while (!bytesEqual(this.#index.tip.hash, fork.hash)) await this.#disconnectTip();
    for (const entry of this.#index.path(fork, target)) {
      const block = await this.#loadBlock(entry);
      try {
        await this.#connectTip(entry, block);
      } catch (err) {
        if (isVerifyError(err)) return { entry, error: err };
        throw err;
      }
    }
    return null;
  }

  /** Applies the state rules to `entry` (a child of the tip) and makes it the tip. */
  async #connectTip(entry: ChainEntry, block: Block): Promise<void> {
    const tip = this.#index.tip;
    if (block.contributions.length > 0 && this.#dataset === null) {
      throw new DatasetError('no-dataset', `block ${toHex(entry.hash)} carries contributions, and this chain was opened without the network dataset`);
    }
    const parent: ParentState = {
      hash: tip.hash,
      accounts: this.#accounts,
      ratings: this.#ratings,
      model: this.#model,
      modelHash: tip.header.modelHash,
      maturing: await this.#maturingFor(entry.height),
      commitment: this.#commitment,
    };
    const state = connectBlockState(this.params, this.#dataset ?? NO_DATASET, parent, block, {
      ...(this.#lossBatch === undefined ? {} : { lossBatch: this.#lossBatch }),
      trustScores: this.#assumeValid?.covers(entry.hash) ?? false,
    });
    const modelUndo = diffModel(this.#model, state.model);
    const modelChanged = modelUndo.indices.length > 0;
    const connected = withStatus(entry, ENTRY_FLAGS.VALID);
    await this.#db.connect(
      connected,
      {
        accounts: state.changedAccounts,
        ratings: state.changedRatings,
        model: modelChanged ? state.model : null,
        buckets: bucketRootChanges(state.stateUpdate),
      },
      { accounts: state.previousAccounts, ratings: state.previousRatings, model: modelUndo },
    );
    applyAccounts(this.#accounts, state.changedAccounts);
    for (const [key, rating] of state.changedRatings) this.#ratings.set(key, rating);
    this.#commitment.commit(state.stateUpdate);
    if (modelChanged) this.#model = state.model;
    this.#index.set(connected);
    this.#index.pushTip(connected);
  }

  async #disconnectTip(): Promise<void> {
    const tip = this.#index.tip;
    const where = `datadir ${this.#db.location}: main-chain block ${toHex(tip.hash)}`;
    const undo = await this.#db.getUndo(tip.hash);
    if (!undo) throw new ChainDBError('corrupt', `${where} has no undo data`);
    const parent = this.#index.parent(tip);
    if (!parent) throw new ChainDBError('corrupt', `${where} has no parent entry`);
    // The restored model must be the parent's exactly; a damaged undo record is caught here,
    // before it is written, not blocks later as a model hash that no block matches.
    const restored = undo.model.indices.length > 0 ? restoreModel(this.#model, undo.model) : null;
    if (!bytesEqual(restored ? modelHash(restored) : tip.header.modelHash, parent.header.modelHash)) {
      throw new ChainDBError('corrupt', `${where}: its undo data does not restore the parent's model`);
    }
    const stateUpdate = this.#commitment.previewUndo(undo.accounts, undo.ratings);
    if (!bytesEqual(stateUpdate.stateRoot, parent.header.stateRoot)) {
      throw new ChainDBError('corrupt', `${where}: its undo data does not restore the parent's state root`);
    }
    await this.#db.disconnect(tip, undo, restored, bucketRootChanges(stateUpdate));
    applyAccounts(this.#accounts, undo.accounts);
    for (const [key, rating] of undo.ratings) {
      if (rating === null) this.#ratings.delete(key);
      else this.#ratings.set(key, rating);
    }
    this.#commitment.commit(stateUpdate);
    if (restored) this.#model = restored;
    this.#index.popTip();
  }

  /** Marks a block that failed while being connected, and every stored descendant. */
  async #invalidate(entry: ChainEntry, error: VerifyError): Promise<void> {
    const key = toHex(entry.hash);
    const marks = [{ hash: entry.hash, record: { code: error.code, reason: error.reason }, entry: withStatus(entry, ENTRY_FLAGS.INVALID) }];
    for (const d of this.#index.descendants(entry)) {
      marks.push({
        hash: d.hash,
        record: { code: 'invalid-ancestor', reason: `descends from invalid block ${key}` },
        entry: withStatus(d, ENTRY_FLAGS.INVALID),
      });
    }
    await this.#db.markInvalid(marks);
    for (const mark of marks) {
      this.#index.set(mark.entry);
      this.#index.setInvalid(mark.hash, mark.record);
    }
    this.emit('invalid', entry.hash, error);
  }

  /**
   * Marks a block that failed before it was stored (no entry: its header or body broke a rule).
   * Such markers are capped (costPolicy.maxInvalidRecords): past the cap the oldest go, in the
   * same batch. Each one cost its sender a header meeting its context's target.
   */
  async #markFailed(hash: Uint8Array, error: VerifyError): Promise<void> {
    const record = { code: error.code, reason: error.reason };
    const over = this.#index.invalidCounts().unstored + 1 - this.#costPolicy.maxInvalidRecords;
    const evict = over > 0 ? this.#index.oldestUnstoredInvalid(over) : [];
    await this.#db.markInvalid([{ hash, record }], evict.map((key) => fromHex(key, 32, 'invalid key')));
    for (const key of evict) this.#index.removeInvalid(key);
    this.#index.setInvalid(hash, record, true);
    this.emit('invalid', hash, error);
  }

  /**
   * The error for a block whose parent is invalid. It is recorded only when the parent is stored
   * and the block's hash meets the target the parent's context requires; otherwise the parent's
   * own marker answers for it at the cost of a lookup.
   */
  async #rejectDescendant(hash: Uint8Array, invalidParent: Uint8Array): Promise<VerifyError> {
    const parent = this.#index.get(invalidParent);
    const worthRecord = parent !== undefined && meetsContextTarget(this.params, hash, this.#index.context(parent));
    const error = new VerifyError('invalid-ancestor', `block ${toHex(hash)} descends from invalid block ${toHex(invalidParent)}`, 100, {
      markInvalid: worthRecord,
    });
    if (worthRecord) await this.#markFailed(hash, error);
    return error;
  }

  /** The rewards a block at `height` on the main chain credits (its ancestor there is connected). */
  async #maturingFor(height: number): Promise<EarnedRewards | null> {
    const earnedAt = maturingHeight(this.params, height);
    if (earnedAt === null) return null;
    const entry = this.#index.atHeight(earnedAt);
    if (!entry) throw new ChainDBError('corrupt', `datadir ${this.#db.location}: no main-chain entry at height ${earnedAt}`);
    return earnedRewards(this.params, await this.#loadBlock(entry));
  }

  async #loadBlock(entry: ChainEntry): Promise<Block> {
    const key = toHex(entry.hash);
    let block = this.#blocks.get(key);
    if (!block) {
      block = await this.#db.getBlock(entry.hash);
      if (!block) throw new ChainDBError('corrupt', `datadir ${this.#db.location}: block ${key} has an entry but no body`);
      this.#blocks.set(key, block);
    }
    return block;
  }

  async #describe(from: ChainEntry, to: ChainEntry): Promise<TipChange> {
    const fork = this.#index.findFork(from, to);
    const disconnected: Block[] = [];
    for (const entry of this.#index.path(fork, from).reverse()) disconnected.push(await this.#loadBlock(entry));
    const connected: Block[] = [];
    for (const entry of this.#index.path(fork, to)) connected.push(await this.#loadBlock(entry));
    return Object.freeze({ from, to, fork, disconnected: Object.freeze(disconnected), connected: Object.freeze(connected) });
  }
}

function decodeInput(input: Block | Uint8Array): { block: Block; bytes: Uint8Array } {
  if (!(input instanceof Uint8Array)) return { block: input, bytes: encodeBlock(input) };
  try {
    return { block: decodeBlock(input), bytes: input };
  } catch (err) {
    if (err instanceof DecodeError) throw new VerifyError('bad-encoding', err.reason);
    throw err;
  }
}

interface LoadedState {
  readonly accounts: Map<string, Account>;
  readonly ratings: Map<string, Rating>;
  readonly commitment: StateCommitment;
  readonly model: Float32Array;
}

/**
 * The tip's accounts, ratings and model from disk, and the state trees built over them: the
 * model must hash to the tip's model hash and the trees give the tip's state root, or the datadir
 * is damaged.
 */
async function loadState(db: ChainDB, params: ChainParams, tip: ChainEntry): Promise<LoadedState> {
  const accounts = new Map<string, Account>();
  for await (const [key, account] of db.accounts()) accounts.set(key, account);
  const ratings = new Map<string, Rating>();
  for await (const [key, rating] of db.ratings()) ratings.set(key, rating);
  const model = await db.getModel(paramLayout(params.model).total);
  if (!model) throw new ChainDBError('corrupt', `datadir ${db.location}: no stored model`);
  if (!bytesEqual(modelHash(model), tip.header.modelHash)) {
    throw new ChainDBError(
      'corrupt',
      `datadir ${db.location}: the stored model hashes to ${toHex(modelHash(model))}, the tip ${toHex(tip.hash)} names model ${toHex(tip.header.modelHash)}`,
    );
  }
  const commitment = StateCommitment.fromStored(await db.getStateBuckets(), accounts, ratings);
  if (!bytesEqual(commitment.stateRoot(), tip.header.stateRoot)) {
    throw new ChainDBError(
      'corrupt',
      `datadir ${db.location}: the stored state buckets give root ${toHex(commitment.stateRoot())}, the tip ${toHex(tip.hash)} commits to ${toHex(tip.header.stateRoot)}`,
    );
  }
  return { accounts, ratings, commitment, model };
}

/** Writes account changes into the live map; EMPTY means the account is removed. */
function applyAccounts(accounts: Map<string, Account>, changes: ReadonlyMap<string, Account>): void {
  for (const [key, account] of changes) {
    if (account.balance === 0n && account.nonce === 0n) accounts.delete(key);
    else accounts.set(key, account);
  }
}
