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

  constructor(limit: RateLimit, nowMs: number) {
    if (!(limit.capacity > 0) || !(limit.refillPerSecond >= 0)) throw new RangeError('a token bucket needs a positive capacity');
    this.capacity = limit.capacity;
    this.refillPerSecond = limit.refillPerSecond;
    this.#tokens = limit.capacity;
    this.#lastMs = nowMs;
  }

  /** Tokens available at `nowMs`. */
  available(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens;
  }

  /** Takes `cost` tokens if there are that many; a cost above the capacity never passes. */
  take(cost: number, nowMs: number): boolean {
    this.#refill(nowMs);
    if (cost > this.#tokens) return false;
    this.#tokens -= cost;
    return true;
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#lastMs) / 1000;
    this.#lastMs = Math.max(this.#lastMs, nowMs);
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

  take(peer: string, cost: number, nowMs: number): boolean {
    let bucket = this.#buckets.get(peer);
    if (!bucket) {
      bucket = new TokenBucket(this.limit, nowMs);
      this.#buckets.set(peer, bucket);
    }
    return bucket.take(cost, nowMs);
  }

  forget(peer: string): void {
    this.#buckets.delete(peer);
  }

  get size(): number {
    return this.#buckets.size;
  }
}
