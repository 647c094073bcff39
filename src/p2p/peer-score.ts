/**
 * Peer scores, as Lodestar's peer manager and Bitcoin's misbehaviour score. A peer starts at 0;
 * what it does wrong subtracts points, and the deficit decays exponentially back toward 0, so an
 * honest peer that sometimes times out never accumulates a ban. Reaching the ban threshold bans
 * it; a fatal action (consensus-invalid data, undecodable or oversized messages) bans at once.
 * Scores outlive the connection: reconnecting does not wipe the slate.
 */

export type PeerAction =
  /** Provably bad data: ban at once. */
  | 'fatal'
  /** Clearly wrong but possibly a bug: an invalid request. */
  | 'low-tolerance'
  /** An answer that does not answer, a rate limit ignored. */
  | 'mid-tolerance'
  /** What honest peers do now and then: a timeout, a useless or empty answer. */
  | 'high-tolerance';

export const ACTION_POINTS: Readonly<Record<PeerAction, number>> = Object.freeze({
  fatal: 100,
  'low-tolerance': 10,
  'mid-tolerance': 5,
  'high-tolerance': 1,
});

export interface ScoreOptions {
  /** The score at or below which a peer is banned (negative). */
  readonly banThreshold: number;
  /** Time for a deficit to halve. */
  readonly halfLifeMs: number;
}

export const DEFAULT_SCORE_OPTIONS: ScoreOptions = Object.freeze({ banThreshold: -50, halfLifeMs: 10 * 60_000 });

/** Lowest score kept; more debt than a ban buys nothing. */
const MIN_SCORE = -100;
/** Scores this close to 0 are dropped from memory. */
const FORGET_BELOW = 0.5;

interface Entry {
  score: number;
  atMs: number;
}

export class PeerScores {
  readonly options: ScoreOptions;
  readonly #entries = new Map<string, Entry>();

  constructor(options: Partial<ScoreOptions> = {}) {
    this.options = { ...DEFAULT_SCORE_OPTIONS, ...options };
  }

  /** The peer's score at `clockMs` (0 for a peer never penalised). */
  get(peer: string, clockMs: number): number {
    const entry = this.#entries.get(peer);
    if (!entry) return 0;
    this.#decay(entry, clockMs);
    return entry.score;
  }

  /** Applies an action; true when the peer must now be banned. */
  apply(peer: string, action: PeerAction, clockMs: number): boolean {
    return this.penalize(peer, ACTION_POINTS[action], clockMs);
  }

  /** Subtracts `points` (≥ 0); true when the peer must now be banned. */
  penalize(peer: string, points: number, clockMs: number): boolean {
    let entry = this.#entries.get(peer);
    if (!entry) {
      entry = { score: 0, atMs: clockMs };
      this.#entries.set(peer, entry);
    }
    this.#decay(entry, clockMs);
    entry.score = Math.max(MIN_SCORE, entry.score - Math.max(0, points));
    return points >= ACTION_POINTS.fatal || entry.score <= this.options.banThreshold;
  }

  /** Clears a peer's score (after its ban ends, or by an operator). */
  reset(peer: string): void {
    this.#entries.delete(peer);
  }

  /** Drops scores that have decayed to nothing. */
  prune(clockMs: number): void {
    for (const [peer, entry] of this.#entries) {
      this.#decay(entry, clockMs);
      if (entry.score > -FORGET_BELOW) this.#entries.delete(peer);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  #decay(entry: Entry, clockMs: number): void {
    const elapsed = clockMs - entry.atMs;
    if (elapsed <= 0) return;
    entry.score *= Math.pow(0.5, elapsed / this.options.halfLifeMs);
    entry.atMs = clockMs;
  }
}
