/**
 * Transfers a reorganisation took out of the chain that could not come back to the mempool (the
 * reward that paid for them left with the old branch, or a conflicting transfer took their nonce).
 * The node remembers the last few so that a wallet can show them as dropped instead of letting
 * them vanish; bounded, oldest forgotten first, and kept in memory only (a restart forgets them).
 */
import type { Transfer } from '../../consensus/types.ts';

export const DEFAULT_DROPPED_LIMIT = 1000;

export interface DroppedRecord {
  readonly id: Uint8Array;
  readonly tx: Transfer;
  /** The height of the block that had included it, on the branch that was taken off. */
  readonly height: number;
  /** The height of the tip after the reorganisation. */
  readonly droppedAtHeight: number;
  /** Milliseconds since the epoch. */
  readonly droppedAtMs: number;
  /** Why it could not return: a consensus code ('bad-tx-balance') or a mempool one ('nonce-too-low'). */
  readonly code: string;
  readonly reason: string;
}

export class DroppedTransfers {
  readonly limit: number;
  readonly #records: DroppedRecord[] = [];

  constructor(limit = DEFAULT_DROPPED_LIMIT) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`the dropped-transfer record needs a positive limit, got ${limit}`);
    this.limit = limit;
  }

  add(record: DroppedRecord): void {
    this.#records.push(Object.freeze(record));
    if (this.#records.length > this.limit) this.#records.splice(0, this.#records.length - this.limit);
  }

  /** Newest first. */
  list(): readonly DroppedRecord[] {
    return [...this.#records].reverse();
  }
}
