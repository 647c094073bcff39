/**
 * Blocks whose parent is not known yet, held until it arrives. Bounded by count and by bytes, the
 * oldest evicted first: an orphan costs its sender only the proof of work of its own header
 * (checked before it gets here), so the pool must not grow with what peers send.
 */
import type { Block } from '../consensus/types.ts';
import { toHex } from '../consensus/hash.ts';

export interface OrphanLimits {
  readonly maxCount: number;
  readonly maxBytes: number;
}

export const DEFAULT_ORPHAN_LIMITS: OrphanLimits = Object.freeze({ maxCount: 100, maxBytes: 64 * 1024 * 1024 });

export interface Orphan {
  readonly hash: Uint8Array;
  readonly block: Block;
  readonly bytes: Uint8Array;
}

export class OrphanPool {
  readonly limits: OrphanLimits;
  // Map iteration order is insertion order: the first key is the oldest orphan.
  readonly #byHash = new Map<string, Orphan>();
  readonly #byParent = new Map<string, Set<string>>();
  #bytes = 0;

  constructor(limits: OrphanLimits = DEFAULT_ORPHAN_LIMITS) {
    this.limits = limits;
  }

  get size(): number {
    return this.#byHash.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  has(hash: Uint8Array): boolean {
    return this.#byHash.has(toHex(hash));
  }

  /** Adds an orphan, evicting the oldest ones past the limits; false if it alone is too large. */
  add(orphan: Orphan): boolean {
    const key = toHex(orphan.hash);
    if (this.#byHash.has(key)) return true;
    if (orphan.bytes.length > this.limits.maxBytes || this.limits.maxCount < 1) return false;
    while (this.#byHash.size + 1 > this.limits.maxCount || this.#bytes + orphan.bytes.length > this.limits.maxBytes) {
      const oldest = this.#byHash.keys().next().value;
      if (oldest === undefined) break;
      this.#remove(oldest);
    }
    this.#byHash.set(key, orphan);
    this.#bytes += orphan.bytes.length;
    const parent = toHex(orphan.block.header.parentHash);
    let children = this.#byParent.get(parent);
    if (!children) this.#byParent.set(parent, (children = new Set()));
    children.add(key);
    return true;
  }

  /** Removes and returns the orphans waiting for `parent`, oldest first. */
  takeChildren(parent: Uint8Array): Orphan[] {
    const keys = this.#byParent.get(toHex(parent));
    if (!keys) return [];
    const out: Orphan[] = [];
    for (const key of [...keys]) {
      const orphan = this.#byHash.get(key);
      if (orphan) out.push(orphan);
      this.#remove(key);
    }
    return out;
  }

  /** The parent hash the chain is missing to connect `hash` (itself an orphan): what to request. */
  missingAncestor(hash: Uint8Array): Uint8Array | undefined {
    let orphan = this.#byHash.get(toHex(hash));
    if (!orphan) return undefined;
    for (let steps = 0; steps <= this.#byHash.size; steps++) {
      const parent = this.#byHash.get(toHex(orphan.block.header.parentHash));
      if (!parent) return orphan.block.header.parentHash;
      orphan = parent;
    }
    return orphan.block.header.parentHash;
  }

  #remove(key: string): void {
    const orphan = this.#byHash.get(key);
    if (!orphan) return;
    this.#byHash.delete(key);
    this.#bytes -= orphan.bytes.length;
    const parent = toHex(orphan.block.header.parentHash);
    const children = this.#byParent.get(parent);
    children?.delete(key);
    if (children?.size === 0) this.#byParent.delete(parent);
  }
}
