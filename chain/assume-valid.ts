/**
 * Which blocks assume-valid sync trusts (Bitcoin Core's assumevalid): the ancestors of one block
 * hash the node's operator accepts, and that block itself. A block's hash commits to its parent's,
 * so the hash alone fixes the whole chain below it: no amount of work lets a peer put another
 * block on it. A block off that chain (a side branch) or above it is never trusted.
 *
 * Ancestry is learned from headers (the sync's header runs, and the blocks stored), each hashed
 * here: hash → parent links are kept until the accepted hash is among them, then the chain below
 * it is walked as far as the links go, and again as more arrive, down to the genesis.
 */
import type { Header } from '../consensus/types.ts';
import { toHex } from '../consensus/hash.ts';
import { headerHash } from './header.ts';

export type ScoringMode = 'assume-valid' | 'full';

export class AssumeValid {
  /** The accepted block's hash, hex. */
  readonly target: string;
  readonly #genesis: string;
  /** Links learned while the walk is not done: hash → parent hash. */
  readonly #parents = new Map<string, string>();
  /** The accepted block and the ancestors found so far. */
  readonly #trusted = new Set<string>();
  /** The lowest trusted block whose parent is still unknown; null before the accepted block is seen. */
  #frontier: string | null = null;
  #complete = false;

  constructor(target: Uint8Array, genesisHash: Uint8Array) {
    this.target = toHex(target);
    this.#genesis = toHex(genesisHash);
    if (this.target === this.#genesis) {
      this.#trusted.add(this.target);
      this.#complete = true;
    }
  }

  /** Learns the links of these headers (hashed here, not taken on trust). */
  noteHeaders(headers: Iterable<Header>): void {
    if (this.#complete) return;
    for (const header of headers) this.#parents.set(toHex(headerHash(header)), toHex(header.parentHash));
    this.#walk();
  }

  /** Whether the block with this hash is the accepted one or one of its ancestors found so far. */
  covers(hash: Uint8Array | string): boolean {
    return this.#trusted.has(typeof hash === 'string' ? hash : toHex(hash));
  }

  /** The accepted block's header has been seen, and with it the chain below it (as far as known). */
  get seen(): boolean {
    return this.#trusted.size > 0;
  }

  /** The mode the next block built on `tip` is connected in, if it extends the trusted chain. */
  modeAfter(tip: Uint8Array): ScoringMode {
    const key = toHex(tip);
    return key !== this.target && this.#trusted.has(key) ? 'assume-valid' : 'full';
  }

  #walk(): void {
    if (this.#frontier === null) {
      if (!this.#parents.has(this.target)) return;
      this.#trusted.add(this.target);
      this.#frontier = this.target;
    }
    for (let parent = this.#parents.get(this.#frontier); parent !== undefined; parent = this.#parents.get(this.#frontier)) {
      this.#trusted.add(parent);
      this.#frontier = parent;
      if (parent === this.#genesis) {
        this.#complete = true;
        this.#parents.clear();
        return;
      }
    }
  }
}
