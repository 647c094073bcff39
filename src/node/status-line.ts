/**
 * The line a running node logs every few seconds, so a person watching it sees at a glance that it
 * is alive and where it stands:
 *
 *   height=1204 tip=00000a3f91c2 peers=3 mempool=12 hashrate=412.5kH/s sync=synced
 *   height=310 tip=000c77d0e1aa peers=2 mempool=0 sync=310/1204 (25.7%)
 */
import { toHex } from '../../consensus/hash.ts';

export interface StatusSnapshot {
  readonly height: number;
  readonly tip: Uint8Array;
  /** Peers that completed the handshake. */
  readonly peers: number;
  readonly mempool: number;
  /** Hashes per second; null when the node does not mine. */
  readonly hashRate: number | null;
  /** null when the node runs without a network. */
  readonly sync: { readonly syncing: boolean; readonly height: number; readonly target: number } | null;
}

/** Characters of the tip hash shown: enough to tell tips apart by eye. */
const TIP_PREFIX = 12;

export function formatStatusLine(s: StatusSnapshot): string {
  const parts = [`height=${s.height}`, `tip=${toHex(s.tip).slice(0, TIP_PREFIX)}`, `peers=${s.peers}`, `mempool=${s.mempool}`];
  if (s.hashRate !== null) parts.push(`hashrate=${formatHashRate(s.hashRate)}`);
  if (s.sync) parts.push(`sync=${formatSync(s.sync)}`);
  return parts.join(' ');
}

/** 0 → "0H/s", 412500 → "412.5kH/s", 3.2e9 → "3.2GH/s". */
export function formatHashRate(hashesPerSecond: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s'];
  let value = Math.max(0, hashesPerSecond);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

function formatSync(sync: NonNullable<StatusSnapshot['sync']>): string {
  if (!sync.syncing && sync.height >= sync.target) return 'synced';
  const percent = sync.target === 0 ? 100 : (100 * sync.height) / sync.target;
  return `${sync.height}/${sync.target} (${percent.toFixed(1)}%)`;
}
