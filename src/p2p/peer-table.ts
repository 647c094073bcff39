/**
 * The connected peers and what we know of each: how it connected, and its last status (the tip
 * and cumulative work it claims). Sync picks its peers here.
 */
import type { PeerId } from '@libp2p/interface';
import type { Status } from './reqresp/messages.ts';

export type PeerDirection = 'inbound' | 'outbound';

export interface PeerRecord {
  readonly id: PeerId;
  readonly key: string;
  readonly direction: PeerDirection;
  readonly connectedAtMs: number;
  /** The peer's last status; null until the handshake completes. */
  status: Status | null;
  statusAtMs: number;
}

export class PeerTable {
  readonly #peers = new Map<string, PeerRecord>();

  add(id: PeerId, direction: PeerDirection, clockMs: number): PeerRecord {
    const key = id.toString();
    const existing = this.#peers.get(key);
    if (existing) return existing;
    const record: PeerRecord = { id, key, direction, connectedAtMs: clockMs, status: null, statusAtMs: 0 };
    this.#peers.set(key, record);
    return record;
  }

  remove(key: string): PeerRecord | undefined {
    const record = this.#peers.get(key);
    this.#peers.delete(key);
    return record;
  }

  get(key: string): PeerRecord | undefined {
    return this.#peers.get(key);
  }

  has(key: string): boolean {
    return this.#peers.has(key);
  }

  setStatus(key: string, status: Status, clockMs: number): void {
    const record = this.#peers.get(key);
    if (!record) return;
    record.status = status;
    record.statusAtMs = clockMs;
  }

  /**
   * Raises what we know of a peer's chain when it relays a block heavier than its last status
   * (a peer that relays a block has it, and its parent chain).
   */
  noteTip(key: string, tipHash: Uint8Array, height: number, chainwork: bigint, clockMs: number): void {
    const record = this.#peers.get(key);
    if (!record?.status || chainwork <= record.status.chainwork) return;
    record.status = Object.freeze({ ...record.status, tipHash, height, chainwork });
    record.statusAtMs = clockMs;
  }

  all(): PeerRecord[] {
    return [...this.#peers.values()];
  }

  /** Peers that completed the handshake. */
  ready(): PeerRecord[] {
    return this.all().filter((p) => p.status !== null);
  }

  /** The peer claiming the most work above `minWork`, skipping `exclude`. */
  best(minWork: bigint, exclude: ReadonlySet<string> = new Set()): PeerRecord | undefined {
    let best: PeerRecord | undefined;
    for (const peer of this.#peers.values()) {
      if (!peer.status || exclude.has(peer.key) || peer.status.chainwork <= minWork) continue;
      if (!best || peer.status.chainwork > best.status!.chainwork) best = peer;
    }
    return best;
  }

  get size(): number {
    return this.#peers.size;
  }
}
