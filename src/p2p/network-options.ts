/**
 * The network's tunable numbers in one place, each with the reason for its default. P2PNetwork
 * reads them from here (options override them), and the CLI's `node --help` shows them, so the
 * defaults a person reads are the ones the code runs with.
 */

export interface NetworkSettings {
  /** Keep dialling discovered peers and the bootstrap list while fewer than this many are connected. */
  readonly targetPeers: number;
  /** How often statuses are exchanged again with every peer. */
  readonly statusIntervalMs: number;
  /** A peer or address is dialled at most this often after a failed dial. */
  readonly redialBackoffMs: number;
  /** Scores decay, dial records expire, a missed sync trigger is caught, bootnodes redialled. */
  readonly maintenanceIntervalMs: number;
  /** How often own messages held for want of subscribers are tried again. */
  readonly heldRetryMs: number;
  /** Before hanging up on a peer of another network, so its own status request fails the same way. */
  readonly wrongNetworkGraceMs: number;
}

export const DEFAULT_NETWORK_OPTIONS: NetworkSettings = Object.freeze({
  // Bitcoin Core keeps 8 outbound and up to 125 in all; a small network's nodes all see each other.
  targetPeers: 16,
  statusIntervalMs: 60_000,
  redialBackoffMs: 30_000,
  maintenanceIntervalMs: 10_000,
  heldRetryMs: 1_000,
  wrongNetworkGraceMs: 1_000,
});

/** The defaults with whichever settings `options` gives. */
export function networkSettings(options: Partial<NetworkSettings>): NetworkSettings {
  const out: Record<string, number> = { ...DEFAULT_NETWORK_OPTIONS };
  for (const key of Object.keys(DEFAULT_NETWORK_OPTIONS) as (keyof NetworkSettings)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`network option ${key} must be a non-negative number, got ${value}`);
    out[key] = value;
  }
  return Object.freeze(out) as unknown as NetworkSettings;
}
