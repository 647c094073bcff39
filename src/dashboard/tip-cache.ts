/**
 * A figure computed once per block: the first request on a new tip computes it, every request
 * after that (and those arriving while it is computed) gets the same answer until the tip moves.
 * The dashboard is unauthenticated and any web page can make a browser GET it, so a heavy figure
 * (the held-out loss over the chain's history) must cost the node once per block, not per request.
 *
 * A figure may come back partial (the loss history fills in a few heights per computation, so as
 * not to stall the node): a partial one is computed again at most once every `refillMs`.
 */

export interface Computed<T> {
  readonly value: T;
  /** False while the figure is still filling in: worth computing again on the same tip. */
  readonly complete: boolean;
}

interface Entry<T> {
  readonly tip: string;
  readonly atMs: number;
  readonly result: Promise<Computed<T>>;
}

export class TipCache<T> {
  readonly #compute: () => Promise<Computed<T>>;
  readonly #clockMs: () => number;
  readonly #refillMs: number;
  #entry: Entry<T> | null = null;
  #computations = 0;

  constructor(compute: () => Promise<Computed<T>>, clockMs: () => number, refillMs = 5_000) {
    this.#compute = compute;
    this.#clockMs = clockMs;
    this.#refillMs = refillMs;
  }

  /** How many times the figure was computed (for tests and the logs). */
  get computations(): number {
    return this.#computations;
  }

  /** The figure for the tip named `tip` (its hash, as hex). */
  async get(tip: string): Promise<T> {
    const entry = this.#entry;
    if (entry && entry.tip === tip) {
      const cached = await entry.result.catch(() => null);
      if (cached && (cached.complete || this.#clockMs() - entry.atMs < this.#refillMs)) return cached.value;
      if (this.#entry !== entry) return this.get(tip);
    }
    const result = this.#compute();
    this.#computations++;
    const fresh: Entry<T> = { tip, atMs: this.#clockMs(), result };
    this.#entry = fresh;
    // A failure is not kept: the next request tries again.
    result.catch(() => {
      if (this.#entry === fresh) this.#entry = null;
    });
    return (await result).value;
  }
}
