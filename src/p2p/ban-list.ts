/**
 * Banned peers, with an expiry (Bitcoin's setBanned): a banned peer is disconnected, refused when
 * it dials in and never dialled. The list lives in memory; `onChange` lets ban-file.ts keep it on
 * disk, so bans outlast a restart. Peers are banned by peer id; the ban
 * does not extend to an IP address, because honest nodes share addresses (a testnet on one machine,
 * hosts behind one NAT).
 */

export type BanReason =
  /** Sent consensus-invalid, undecodable or oversized data, or spent its score. */
  | 'misbehaving'
  /** Its status names another genesis: not an offence, but no use dialling again soon. */
  | 'wrong-network'
  /** Banned by the operator. */
  | 'manual';

export interface BanEntry {
  readonly peer: string;
  readonly reason: BanReason;
  /** What it did, for the logs and the RPC. */
  readonly detail: string;
  readonly untilMs: number;
}

export const BAN_DURATION_MS: Readonly<Record<BanReason, number>> = Object.freeze({
  misbehaving: 24 * 60 * 60_000,
  'wrong-network': 10 * 60_000,
  manual: 24 * 60 * 60_000,
});

export class BanList {
  readonly #bans = new Map<string, BanEntry>();
  readonly #onChange: ((entries: BanEntry[]) => void) | undefined;

  /** `entries`: bans to start with (a loaded file); `onChange`: told the whole list after each change. */
  constructor(entries: readonly BanEntry[] = [], onChange?: (entries: BanEntry[]) => void) {
    for (const entry of entries) this.#bans.set(entry.peer, Object.freeze({ ...entry }));
    this.#onChange = onChange;
  }

  ban(peer: string, reason: BanReason, detail: string, untilMs: number): BanEntry {
    const previous = this.#bans.get(peer);
    // A ban is never shortened by a lesser one.
    const entry = Object.freeze({ peer, reason, detail, untilMs: Math.max(untilMs, previous?.untilMs ?? 0) });
    this.#bans.set(peer, entry);
    this.#changed();
    return entry;
  }

  unban(peer: string): boolean {
    const removed = this.#bans.delete(peer);
    if (removed) this.#changed();
    return removed;
  }

  #changed(): void {
    this.#onChange?.([...this.#bans.values()]);
  }

  isBanned(peer: string, clockMs: number): boolean {
    return this.get(peer, clockMs) !== undefined;
  }

  get(peer: string, clockMs: number): BanEntry | undefined {
    const entry = this.#bans.get(peer);
    if (!entry) return undefined;
    if (entry.untilMs <= clockMs) {
      this.#bans.delete(peer);
      return undefined;
    }
    return entry;
  }

  /** The bans in force at `clockMs` (expired ones are dropped). */
  list(clockMs: number): BanEntry[] {
    const out: BanEntry[] = [];
    for (const peer of [...this.#bans.keys()]) {
      const entry = this.get(peer, clockMs);
      if (entry) out.push(entry);
    }
    return out;
  }
}
