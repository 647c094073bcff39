/**
 * Per-peer token buckets. A request costs tokens (one per request, or one per block asked for);
 * a bucket holds at most `capacity` and refills continuously, so a peer may burst up to the
 * capacity and then sustain the refill rate. Time is passed in (milliseconds), never read here.
 */
import type { RateLimit } from './limits.ts';

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  #tokens: number;
  #lastMs: number;

  constructor(limit: RateLimit, clockMs: number) {
    if (!(limit.capacity > 0) || !(limit.refillPerSecond >= 0)) throw new RangeError('a token bucket needs a positive capacity');
    this.capacity = limit.capacity;
    this.refillPerSecond = limit.refillPerSecond;
    this.#tokens = limit.capacity;
    this.#lastMs = clockMs;
  }

  /** Tokens available at `clockMs`. */
  available(clockMs: number): number {
    this.#refill(clockMs);
    return this.#tokens;
  }

  /** Takes `cost` tokens if there are that many; a cost above the capacity never passes. */
  take(cost: number, clockMs: number): boolean {
    this.#refill(clockMs);
    if (cost > this.#tokens) return false;
    this.#tokens -= cost;
    return true;
  }

  #refill(clockMs: number): void {
    const elapsed = Math.max(0, clockMs - this.#lastMs) / 1000;
    this.#lastMs = Math.max(this.#lastMs, clockMs);
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.refillPerSecond);
  }
}

/** One bucket per peer for one protocol. Forget a peer when it disconnects. */
export class PeerRateLimiter {
  readonly limit: RateLimit;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(limit: RateLimit) {
    this.limit = limit;
  }

  take(peer: string, cost: number, clockMs: number): boolean {
    let bucket = this.#buckets.get(peer);
    if (!bucket) {
      bucket = new TokenBucket(this.limit, clockMs);
      this.#buckets.set(peer, bucket);
    }
    return bucket.take(cost, clockMs);
  }

  forget(peer: string): void {
    this.#buckets.delete(peer);
  }

  get size(): number {
    return this.#buckets.size;
  }
}
