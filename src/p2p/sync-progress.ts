/**
 * The sync status line, as bitcoind's UpdateTip lines and Lodestar's "Syncing" line: where we are,
 * where the best peer is, the recent rate and what it implies.
 *
 *   sync height=1200 target=5000 blocks/s=312.5 eta=12s peers=3 scoring=assume-valid
 *
 * `scoring` says whether the blocks being connected are scored in full or take their reports'
 * scores (assume-valid sync).
 */

export type ScoringMode = 'assume-valid' | 'full';

export interface ProgressSample {
  readonly height: number;
  readonly target: number;
  readonly peers: number;
  readonly clockMs: number;
  readonly scoring: ScoringMode;
}

export interface ProgressReport {
  readonly height: number;
  readonly target: number;
  readonly blocksPerSecond: number;
  /** Seconds left at the current rate; null when the rate is zero. */
  readonly etaSeconds: number | null;
  readonly peers: number;
  readonly scoring: ScoringMode;
  readonly line: string;
}

export class SyncProgress {
  #last: { height: number; clockMs: number } | null = null;
  #rate = 0;

  /** Records a sample; the rate is over the blocks gained since the previous one. */
  report(sample: ProgressSample): ProgressReport {
    if (this.#last && sample.clockMs > this.#last.clockMs) {
      const gained = Math.max(0, sample.height - this.#last.height);
      this.#rate = (gained * 1000) / (sample.clockMs - this.#last.clockMs);
    }
    this.#last = { height: sample.height, clockMs: sample.clockMs };
    const left = Math.max(0, sample.target - sample.height);
    const etaSeconds = this.#rate > 0 ? Math.ceil(left / this.#rate) : left === 0 ? 0 : null;
    const line =
      `sync height=${sample.height} target=${sample.target} blocks/s=${this.#rate.toFixed(1)} ` +
      `eta=${etaSeconds === null ? '?' : formatDuration(etaSeconds)} peers=${sample.peers} scoring=${sample.scoring}`;
    return { height: sample.height, target: sample.target, blocksPerSecond: this.#rate, etaSeconds, peers: sample.peers, scoring: sample.scoring, line };
  }

  reset(): void {
    this.#last = null;
    this.#rate = 0;
  }
}

/** 75 → "1m15s", 3700 → "1h01m", 9 → "9s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
