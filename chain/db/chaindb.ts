/**
 * ChainDB: the block tree, the main chain and its account state in LevelDB (layout.ts).
 *
 * Atomicity is the whole design: every state change the chain makes (the genesis, storing a block,
 * connecting or disconnecting one block, marking blocks invalid) is ONE LevelDB write batch, tip
 * record included. LevelDB writes a batch as one checksummed log record, so after a crash at any
 * instant the datadir holds the state before or after each batch, never a mixture: the tip, its
 * accounts, ratings and model, the main-chain index and the undo data always agree.
 *
 * Writes are not fsync'ed unless `sync` is set: a killed process loses nothing (the data is in the
 * OS's cache), a power cut may lose the last batches but, the log being replayed in order, never
 * leaves a torn state.
 */
import { mkdirSync } from 'node:fs';
import { Level } from 'level';
import type { Account, Block } from '../../consensus/types.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import type { BucketRootChange, StoredBucketRoots } from '../../consensus/state-commitment.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { decodeBlock } from '../block.ts';
import { DecodeError } from '../errors.ts';
import { ChainDBError } from './errors.ts';
import { decodeEntry, encodeEntry, type ChainEntry } from './entry.ts';
import { layout, prefixRange, keySuffix, heightFromKey, PREFIX } from './layout.ts';
import { inUseError, isLockedError, removePid, writePid } from './lock.ts';
import { decodeModel, encodeModel } from '../model-undo.ts';
import {
  DB_VERSION,
  decodeAccount,
  decodeInvalid,
  decodeRating,
  decodeUndo,
  decodeVersion,
  encodeAccount,
  encodeInvalid,
  encodeRating,
  encodeUndo,
  encodeVersion,
  isEmptyAccount,
  type BlockUndo,
  type InvalidRecord,
} from './records.ts';

export interface ChainDBOptions {
  /** fsync every batch (survives power loss, slower). Default false: survives process crashes. */
  readonly sync?: boolean;
}

/** What connecting a block changes in the stored state. */
export interface StateChanges {
  /** Accounts after the block; EMPTY ones are deleted. */
  readonly accounts: ReadonlyMap<string, Account>;
  /** The block's contributors' ratings after it. */
  readonly ratings: ReadonlyMap<string, Rating>;
  /** The model after the block, or null when its bits did not change. */
  readonly model: Float32Array | null;
  /** The state trees' bucket roots the block changed. */
  readonly buckets: readonly BucketRootChange[];
}

/** A block marked invalid: its entry (if stored) with the INVALID flag already set. */
export interface InvalidMark {
  readonly hash: Uint8Array;
  readonly record: InvalidRecord;
  readonly entry?: ChainEntry;
}

type Op = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

export class ChainDB {
  readonly location: string;
  readonly #db: Level<Uint8Array, Uint8Array>;
  readonly #sync: boolean;
  #fresh: boolean;
  #closed = false;

  private constructor(location: string, db: Level<Uint8Array, Uint8Array>, sync: boolean, fresh: boolean) {
    this.location = location;
    this.#db = db;
    this.#sync = sync;
    this.#fresh = fresh;
  }

  /**
   * Opens (creating if needed) the database at `location`. Throws ChainDBError 'in-use' when
   * another process holds it, 'version-mismatch' when another version of the software wrote it.
   */
  static async open(location: string, options: ChainDBOptions = {}): Promise<ChainDB> {
    mkdirSync(location, { recursive: true });
    const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (err) {
      if (isLockedError(err)) throw inUseError(location);
      throw err;
    }
    try {
      const fresh = await checkVersion(db, location);
      writePid(location);
      return new ChainDB(location, db, options.sync ?? false, fresh);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  /** True until initialize() has written the genesis: the datadir holds nothing yet. */
  get fresh(): boolean {
    return this.#fresh;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    removePid(this.location);
    await this.#db.close();
  }

  // ---- reads -------------------------------------------------------------------------------

  async getVersion(): Promise<number | undefined> {
    return this.#read(layout.V, 'version record', decodeVersion);
  }

  async getGenesisHash(): Promise<Uint8Array | undefined> {
    return this.#get(layout.G);
  }

  async getTipHash(): Promise<Uint8Array | undefined> {
    return this.#get(layout.R);
  }

  async getEntry(hash: Uint8Array): Promise<ChainEntry | undefined> {
    return this.#read(layout.e(hash), `entry ${toHex(hash)}`, (raw) => decodeEntry(hash, raw));
  }

  async getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#get(layout.b(hash));
  }

  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    return this.#read(layout.b(hash), `block ${toHex(hash)}`, decodeBlock);
  }

  async getUndo(hash: Uint8Array): Promise<BlockUndo | undefined> {
    return this.#read(layout.u(hash), `undo ${toHex(hash)}`, decodeUndo);
  }

  async getHashAtHeight(height: number): Promise<Uint8Array | undefined> {
    return this.#get(layout.h(height));
  }

  async getAccount(address: Uint8Array): Promise<Account | undefined> {
    return this.#read(layout.a(address), `account ${toHex(address)}`, decodeAccount);
  }

  async getRating(address: Uint8Array): Promise<Rating | undefined> {
    return this.#read(layout.r(address), `rating ${toHex(address)}`, decodeRating);
  }

  /** The tip's model; throws ChainDBError('corrupt') if it is not `total` float32 values. */
  async getModel(total: number): Promise<Float32Array | undefined> {
    return this.#read(layout.M, 'the stored model', (raw) => decodeModel(raw, total));
  }

  /** The stored model's raw bytes (for checks that know no layout). */
  async getModelBytes(): Promise<Uint8Array | undefined> {
    return this.#get(layout.M);
  }

  async getInvalid(hash: Uint8Array): Promise<InvalidRecord | undefined> {
    return this.#read(layout.i(hash), `invalid marker ${toHex(hash)}`, decodeInvalid);
  }

  async *entries(): AsyncGenerator<ChainEntry> {
    for await (const [key, value] of this.#scan(PREFIX.entry)) {
      const hash = keySuffix(key, 32, 'entry');
      yield this.#decode(`entry ${toHex(hash)}`, () => decodeEntry(hash, value));
    }
  }

  /** The stored accounts, keyed by lowercase hex address. */
  async *accounts(): AsyncGenerator<[string, Account]> {
    for await (const [key, value] of this.#scan(PREFIX.account)) {
      const address = keySuffix(key, 20, 'account');
      yield [toHex(address), this.#decode(`account ${toHex(address)}`, () => decodeAccount(value))];
    }
  }

  /** The stored ratings, keyed by lowercase hex address. */
  async *ratings(): AsyncGenerator<[string, Rating]> {
    for await (const [key, value] of this.#scan(PREFIX.rating)) {
      const address = keySuffix(key, 20, 'rating');
      yield [toHex(address), this.#decode(`rating ${toHex(address)}`, () => decodeRating(value))];
    }
  }

  async *invalid(): AsyncGenerator<[Uint8Array, InvalidRecord]> {
    for await (const [key, value] of this.#scan(PREFIX.invalid)) {
      const hash = keySuffix(key, 32, 'invalid');
      yield [hash, this.#decode(`invalid marker ${toHex(hash)}`, () => decodeInvalid(value))];
    }
  }

  /** The stored bucket roots of both state trees; throws ChainDBError('corrupt') on a bad record. */
  async getStateBuckets(): Promise<StoredBucketRoots> {
    const accounts = new Map<number, Uint8Array>();
    const ratings = new Map<number, Uint8Array>();
    for await (const [key, value] of this.#scan(PREFIX.stateBucket)) {
      if (key.length !== 4 || key[1]! > 1 || value.length !== 32) {
        throw new ChainDBError('corrupt', `datadir ${this.location}: state bucket record ${toHex(key)} is malformed`);
      }
      (key[1] === 0 ? accounts : ratings).set((key[2]! << 8) | key[3]!, value);
    }
    return { accounts, ratings };
  }

  /** The h index in height order. */
  async *mainChain(): AsyncGenerator<[number, Uint8Array]> {
    for await (const [key, value] of this.#scan(PREFIX.height)) yield [heightFromKey(key), new Uint8Array(value)];
  }

  /** Hashes that have undo data. */
  async *undoHashes(): AsyncGenerator<Uint8Array> {
    for await (const [key] of this.#scan(PREFIX.undo)) yield keySuffix(key, 32, 'undo');
  }

  /** Hashes whose block body is stored. */
  async *blockHashes(): AsyncGenerator<Uint8Array> {
    for await (const [key] of this.#scan(PREFIX.block)) yield keySuffix(key, 32, 'block');
  }

  // ---- writes: each method is one atomic batch ---------------------------------------------

  /** Writes the version, the network's genesis, its accounts and model: the first and only init. */
  async initialize(
    genesis: ChainEntry,
    blockBytes: Uint8Array,
    accounts: ReadonlyMap<string, Account>,
    model: Float32Array,
    buckets: StoredBucketRoots,
  ): Promise<void> {
    if (!this.#fresh) throw new Error('ChainDB is already initialised');
    const ops: Op[] = [
      put(layout.V, encodeVersion()),
      put(layout.G, genesis.hash),
      put(layout.e(genesis.hash), encodeEntry(genesis)),
      put(layout.b(genesis.hash), blockBytes),
      put(layout.h(0), genesis.hash),
      put(layout.R, genesis.hash),
      put(layout.M, encodeModel(model)),
    ];
    for (const [key, account] of accounts) {
      if (!isEmptyAccount(account)) ops.push(put(layout.a(fromHex(key, 20, 'account key')), encodeAccount(account)));
    }
    for (const [bucket, root] of buckets.accounts) ops.push(put(layout.S(0, bucket), root));
    for (const [bucket, root] of buckets.ratings) ops.push(put(layout.S(1, bucket), root));
    await this.#write(ops);
    this.#fresh = false;
  }

  /** Stores a block and its entry in the tree, off the main chain. */
  async saveBlock(entry: ChainEntry, blockBytes: Uint8Array): Promise<void> {
    await this.#write([put(layout.e(entry.hash), encodeEntry(entry)), put(layout.b(entry.hash), blockBytes)]);
  }

  /**
   * Makes `entry` (a child of the current tip) the tip: its accounts, ratings and model after the
   * block, its undo data, the height index and the entry's new status.
   */
  async connect(entry: ChainEntry, changes: StateChanges, undo: BlockUndo): Promise<void> {
    const ops: Op[] = [];
    for (const [key, account] of changes.accounts) ops.push(accountOp(key, account));
    for (const [key, rating] of changes.ratings) ops.push(put(layout.r(fromHex(key, 20, 'rating key')), encodeRating(rating)));
    if (changes.model) ops.push(put(layout.M, encodeModel(changes.model)));
    ops.push(...bucketOps(changes.buckets));
    ops.push(
      put(layout.u(entry.hash), encodeUndo(undo)),
      put(layout.e(entry.hash), encodeEntry(entry)),
      put(layout.h(entry.height), entry.hash),
      put(layout.R, entry.hash),
    );
    await this.#write(ops);
  }

  /**
   * Makes `entry`'s parent the tip again: accounts and ratings from `undo`, and `model` (the
   * parent's, restored from the undo pairs; null when the block left the model unchanged).
   */
  async disconnect(entry: ChainEntry, undo: BlockUndo, model: Float32Array | null, buckets: readonly BucketRootChange[]): Promise<void> {
    const ops: Op[] = [];
    for (const [key, account] of undo.accounts) ops.push(accountOp(key, account));
    for (const [key, rating] of undo.ratings) {
      const k = layout.r(fromHex(key, 20, 'rating key'));
      ops.push(rating === null ? del(k) : put(k, encodeRating(rating)));
    }
    if (model) ops.push(put(layout.M, encodeModel(model)));
    ops.push(...bucketOps(buckets));
    ops.push(del(layout.u(entry.hash)), del(layout.h(entry.height)), put(layout.R, entry.header.parentHash));
    await this.#write(ops);
  }

  /**
   * Persists invalid markers (and the entries' INVALID flags) for a block and its descendants, and
   * deletes the markers in `evict` (the oldest ones past the chain's cap) in the same batch.
   */
  async markInvalid(marks: readonly InvalidMark[], evict: readonly Uint8Array[] = []): Promise<void> {
    const ops: Op[] = evict.map((hash) => del(layout.i(hash)));
    for (const mark of marks) {
      ops.push(put(layout.i(mark.hash), encodeInvalid(mark.record)));
      if (mark.entry) ops.push(put(layout.e(mark.hash), encodeEntry(mark.entry)));
    }
    await this.#write(ops);
  }

  // ---- internals -----------------------------------------------------------------------------

  async #get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const value = await this.#db.get(key);
    // A plain copy: Buffer's pooled memory must not leak into hashes or long-lived maps.
    return value === undefined ? undefined : new Uint8Array(value);
  }

  async *#scan(prefix: number): AsyncGenerator<[Uint8Array, Uint8Array]> {
    this.#assertOpen();
    const range = prefixRange(prefix as (typeof PREFIX)[keyof typeof PREFIX]);
    for await (const [key, value] of this.#db.iterator(range)) yield [new Uint8Array(key), new Uint8Array(value)];
  }

  async #write(ops: Op[]): Promise<void> {
    this.#assertOpen();
    await this.#db.batch(ops, { sync: this.#sync });
  }

  /** The record at `key`, decoded; undefined if absent; ChainDBError('corrupt') if it does not decode. */
  async #read<T>(key: Uint8Array, what: string, decode: (raw: Uint8Array) => T): Promise<T | undefined> {
    const raw = await this.#get(key);
    return raw === undefined ? undefined : this.#decode(what, () => decode(raw));
  }

  #decode<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof DecodeError) throw new ChainDBError('corrupt', `datadir ${this.location}: ${what} does not decode (${err.message})`);
      throw err;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new ChainDBError('closed', `datadir ${this.location} is closed`);
  }
}

function put(key: Uint8Array, value: Uint8Array): Op {
  return { type: 'put', key, value };
}

function del(key: Uint8Array): Op {
  return { type: 'del', key };
}

/** Bucket roots put, or deleted where the bucket became empty. */
function bucketOps(changes: readonly BucketRootChange[]): Op[] {
  return changes.map(({ tree, bucket, root }) => {
    const key = layout.S(tree === 'accounts' ? 0 : 1, bucket);
    return root === null ? del(key) : put(key, root);
  });
}

/** Accounts equal to EMPTY are deleted, never stored: absence is the empty account. */
function accountOp(key: string, account: Account): Op {
  const k = layout.a(fromHex(key, 20, 'account key'));
  return isEmptyAccount(account) ? del(k) : put(k, encodeAccount(account));
}

/** Returns true for a fresh (empty) database; throws if the version record is absent or wrong. */
async function checkVersion(db: Level<Uint8Array, Uint8Array>, location: string): Promise<boolean> {
  const raw = await db.get(layout.V);
  if (raw === undefined) {
    for await (const _key of db.keys({ limit: 1 })) {
      throw new ChainDBError('version-mismatch', `datadir ${location} holds data without a ChainDB version record: not a chain database`);
    }
    return true;
  }
  let version: number;
  try {
    version = decodeVersion(new Uint8Array(raw));
  } catch {
    throw new ChainDBError('version-mismatch', `datadir ${location} has an unreadable version record: not a chain database`);
  }
  if (version !== DB_VERSION) {
    throw new ChainDBError(
      'version-mismatch',
      `datadir ${location} holds chain database version ${version}, this software reads version ${DB_VERSION}`,
    );
  }
  return false;
}
