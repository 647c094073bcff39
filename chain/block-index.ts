/**
 * The block tree in memory, as Bitcoin Core's block index: every stored entry, the main chain as
 * an array by height, and the invalid markers. Entries are small (a header and a few numbers), so
 * holding all of them makes fork choice, ancestor walks and locators synchronous and cheap; the
 * database stays the source of truth and this is rebuilt from it on open.
 */
import type { Header } from '../consensus/types.ts';
import type { ParentContext } from '../consensus/header-rules.ts';
import { MEDIAN_TIME_SPAN } from '../consensus/pow/timestamps.ts';
import { toHex } from '../consensus/hash.ts';
import { compareEntries, ENTRY_FLAGS, hasFlag, type ChainEntry } from './db/entry.ts';
import type { InvalidRecord } from './db/records.ts';

/** A leaf of the block tree, as bitcoind's getchaintips reports it. */
export interface ChainTip {
  readonly hash: Uint8Array;
  readonly height: number;
  /** Blocks between the tip and the main chain (0 for the active tip). */
  readonly branchLength: number;
  readonly chainwork: bigint;
  readonly status: 'active' | 'valid-fork' | 'valid-headers' | 'headers-only' | 'invalid';
}

export class BlockIndex {
  readonly #entries = new Map<string, ChainEntry>();
  readonly #invalid = new Map<string, InvalidRecord>();
  /**
   * Markers of blocks that failed before they were stored (no entry), oldest first: the ones a
   * cap may evict. A stored block's marker stays with its INVALID entry.
   */
  readonly #unstoredInvalid = new Set<string>();
  #main: ChainEntry[] = [];
  #nextSequence = 0;

  get size(): number {
    return this.#entries.size;
  }

  get tip(): ChainEntry {
    const tip = this.#main[this.#main.length - 1];
    if (!tip) throw new Error('block index has no main chain');
    return tip;
  }

  get genesis(): ChainEntry {
    const genesis = this.#main[0];
    if (!genesis) throw new Error('block index has no main chain');
    return genesis;
  }

  get(hash: Uint8Array | string): ChainEntry | undefined {
    return this.#entries.get(typeof hash === 'string' ? hash : toHex(hash));
  }

  /** Adds or replaces an entry (a status change keeps its place on the main chain). */
  set(entry: ChainEntry): void {
    this.#entries.set(toHex(entry.hash), entry);
    if (entry.sequence >= this.#nextSequence) this.#nextSequence = entry.sequence + 1;
    const onMain = this.#main[entry.height];
    if (onMain && sameHash(onMain, entry)) this.#main[entry.height] = entry;
  }

  /** The next first-seen number; persisted with the entry, so the order survives restarts. */
  allocateSequence(): number {
    return this.#nextSequence++;
  }

  invalidRecord(hash: Uint8Array | string): InvalidRecord | undefined {
    return this.#invalid.get(typeof hash === 'string' ? hash : toHex(hash));
  }

  /** Records why a block is invalid; `unstored` when it has no entry (see oldestUnstoredInvalid). */
  setInvalid(hash: Uint8Array, record: InvalidRecord, unstored = false): void {
    const key = toHex(hash);
    this.#invalid.set(key, record);
    if (unstored) this.#unstoredInvalid.add(key);
  }

  removeInvalid(hash: Uint8Array | string): void {
    const key = typeof hash === 'string' ? hash : toHex(hash);
    this.#invalid.delete(key);
    this.#unstoredInvalid.delete(key);
  }

  /** How many blocks carry an invalid marker, and how many of those have no entry. */
  invalidCounts(): { readonly total: number; readonly unstored: number } {
    return { total: this.#invalid.size, unstored: this.#unstoredInvalid.size };
  }

  /** The `count` oldest markers of unstored blocks: what a cap evicts first. */
  oldestUnstoredInvalid(count: number): string[] {
    const out: string[] = [];
    for (const key of this.#unstoredInvalid) {
      if (out.length >= count) break;
      out.push(key);
    }
    return out;
  }

  /** Rebuilds the main chain as the ancestry of `tip` (all of it must be in the index). */
  setTip(tip: ChainEntry): void {
    const main: ChainEntry[] = new Array<ChainEntry>(tip.height + 1);
    let cursor: ChainEntry | undefined = tip;
    for (let h = tip.height; h >= 0; h--) {
      if (!cursor || cursor.height !== h) throw new Error(`main chain is broken below height ${h + 1}`);
      main[h] = cursor;
      cursor = h === 0 ? undefined : this.get(cursor.header.parentHash);
    }
    this.#main = main;
  }

  pushTip(entry: ChainEntry): void {
    if (entry.height !== this.#main.length || !sameBytes(entry.header.parentHash, this.tip.hash)) {
      throw new Error('a connected block must extend the tip');
    }
    this.#main.push(entry);
  }

  popTip(): ChainEntry {
    if (this.#main.length <= 1) throw new Error('the genesis block cannot be disconnected');
    return this.#main.pop()!;
  }

  atHeight(height: number): ChainEntry | undefined {
    return this.#main[height];
  }

  isMain(entry: ChainEntry): boolean {
    const at = this.#main[entry.height];
    return at !== undefined && sameHash(at, entry);
  }

  parent(entry: ChainEntry): ChainEntry | undefined {
    return entry.height === 0 ? undefined : this.get(entry.header.parentHash);
  }

  /** The ancestor of `entry` at `height`: a walk down its branch until it meets the main chain. */
  ancestor(entry: ChainEntry, height: number): ChainEntry | undefined {
    if (height > entry.height || height < 0) return undefined;
    let cursor: ChainEntry | undefined = entry;
    while (cursor && cursor.height > height && !this.isMain(cursor)) cursor = this.parent(cursor);
    if (!cursor) return undefined;
    return this.isMain(cursor) ? this.#main[height] : cursor;
  }

  /** The last common ancestor of two entries. */
  findFork(a: ChainEntry, b: ChainEntry): ChainEntry {
    let x: ChainEntry | undefined = a;
    let y: ChainEntry | undefined = b;
    while (x && y && !sameHash(x, y)) {
      if (x.height > y.height) x = this.parent(x);
      else if (y.height > x.height) y = this.parent(y);
      else {
        x = this.parent(x);
        y = this.parent(y);
      }
    }
    if (!x || !y) throw new Error('entries share no ancestor: the index is not one tree');
    return x;
  }

  /** Entries after `fork` up to and including `target`, in height order. */
  path(fork: ChainEntry, target: ChainEntry): ChainEntry[] {
    const out: ChainEntry[] = [];
    let cursor: ChainEntry | undefined = target;
    while (cursor && !sameHash(cursor, fork)) {
      out.push(cursor);
      cursor = this.parent(cursor);
    }
    if (!cursor) throw new Error('fork is not an ancestor of the target');
    return out.reverse();
  }

  /** What the header rules need to know about `parent` to check its child. */
  context(parent: ChainEntry): ParentContext {
    const recent: number[] = [];
    let cursor: ChainEntry | undefined = parent;
    while (cursor && recent.length < MEDIAN_TIME_SPAN) {
      recent.push(cursor.header.timestamp);
      cursor = this.parent(cursor);
    }
    const anchor = parent.height === 0 ? undefined : this.ancestor(parent, 1);
    return {
      hash: parent.hash,
      header: parent.header,
      recentTimestamps: recent.reverse(),
      anchorTimestamp: anchor ? anchor.header.timestamp : null,
    };
  }

  /** Every entry descending from `entry`, in no particular order. */
  descendants(entry: ChainEntry): ChainEntry[] {
    const children = this.#childrenMap();
    const out: ChainEntry[] = [];
    const stack = [toHex(entry.hash)];
    while (stack.length > 0) {
      for (const child of children.get(stack.pop()!) ?? []) {
        out.push(child);
        stack.push(toHex(child.hash));
      }
    }
    return out;
  }

  /**
   * The best entry whose state transition was applied (VALID) and never found invalid: where a
   * reorganisation that failed for a reason other than the blocks' own falls back to.
   */
  bestValid(): ChainEntry {
    let best = this.genesis;
    for (const entry of this.#entries.values()) {
      if (!hasFlag(entry, ENTRY_FLAGS.VALID) || hasFlag(entry, ENTRY_FLAGS.INVALID)) continue;
      if (compareEntries(entry, best) > 0) best = entry;
    }
    return best;
  }

  /**
   * The best chain the tree offers: the entry with the most work, ties to the first seen, among
   * those with a stored block and not invalid (an invalid block's descendants are marked too).
   */
  best(): ChainEntry {
    let best = this.tip;
    for (const entry of this.#entries.values()) {
      if (hasFlag(entry, ENTRY_FLAGS.INVALID) || !hasFlag(entry, ENTRY_FLAGS.HAS_BLOCK)) continue;
      if (compareEntries(entry, best) > 0) best = entry;
    }
    return best;
  }

  chainTips(): ChainTip[] {
    const children = this.#childrenMap();
    const tip = this.tip;
    const out: ChainTip[] = [];
    for (const [key, entry] of this.#entries) {
      const isTip = sameHash(entry, tip);
      if (!isTip && children.has(key)) continue;
      const fork = this.findFork(entry, tip);
      out.push({
        hash: entry.hash,
        height: entry.height,
        branchLength: entry.height - fork.height,
        chainwork: entry.chainwork,
        status: isTip ? 'active' : tipStatus(entry),
      });
    }
    return out.sort((a, b) => b.height - a.height);
  }

  /** Main-chain hashes from the tip back: ten one apart, then doubling steps, ending at genesis. */
  locator(): Uint8Array[] {
    const out: Uint8Array[] = [];
    let step = 1;
    for (let height = this.tip.height; height > 0; height -= step) {
      out.push(this.#main[height]!.hash);
      if (out.length >= 10) step *= 2;
    }
    out.push(this.genesis.hash);
    return out;
  }

  /** The first locator hash on our main chain (the genesis if none is): where a peer forked. */
  findLocatorFork(locator: readonly Uint8Array[]): ChainEntry {
    for (const hash of locator) {
      const entry = this.get(hash);
      if (entry && this.isMain(entry)) return entry;
    }
    return this.genesis;
  }

  /** Up to `max` main-chain headers after the locator's fork point. */
  headersAfter(locator: readonly Uint8Array[], max: number): Header[] {
    const fork = this.findLocatorFork(locator);
    const end = Math.min(this.tip.height, fork.height + Math.max(0, Math.floor(max)));
    const out: Header[] = [];
    for (let h = fork.height + 1; h <= end; h++) out.push(this.#main[h]!.header);
    return out;
  }

  #childrenMap(): Map<string, ChainEntry[]> {
    const children = new Map<string, ChainEntry[]>();
    for (const entry of this.#entries.values()) {
      if (entry.height === 0) continue;
      const parent = toHex(entry.header.parentHash);
      const list = children.get(parent);
      if (list) list.push(entry);
      else children.set(parent, [entry]);
    }
    return children;
  }
}

function tipStatus(entry: ChainEntry): ChainTip['status'] {
  if (hasFlag(entry, ENTRY_FLAGS.INVALID)) return 'invalid';
  if (hasFlag(entry, ENTRY_FLAGS.VALID)) return 'valid-fork';
  if (hasFlag(entry, ENTRY_FLAGS.HAS_BLOCK)) return 'valid-headers';
  return 'headers-only';
}

function sameHash(a: ChainEntry, b: ChainEntry): boolean {
  return a === b || sameBytes(a.hash, b.hash);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
