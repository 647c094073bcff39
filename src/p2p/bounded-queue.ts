/**
 * A bounded queue of incoming work with its own workers. A full queue drops what arrives and counts
 * it: a flood from the network must cost a fixed amount of memory, never an unbounded backlog.
 */

export interface QueueCounters {
  accepted: number;
  dropped: number;
  processed: number;
  failed: number;
}

export class BoundedQueue<T> {
  readonly capacity: number;
  readonly concurrency: number;
  readonly counters: QueueCounters = { accepted: 0, dropped: 0, processed: 0, failed: 0 };
  readonly #items: T[] = [];
  readonly #worker: (item: T) => Promise<void>;
  readonly #onError: (err: unknown, item: T) => void;
  #running = 0;
  #stopped = false;
  #idleWaiters: Array<() => void> = [];

  constructor(capacity: number, worker: (item: T) => Promise<void>, onError: (err: unknown, item: T) => void, concurrency = 1) {
    if (!(capacity > 0) || !(concurrency > 0)) throw new RangeError('a queue needs a positive capacity and concurrency');
    this.capacity = capacity;
    this.concurrency = concurrency;
    this.#worker = worker;
    this.#onError = onError;
  }

  /** Queues `item`; false (and counted) when the queue is full or stopped. */
  push(item: T): boolean {
    if (this.#stopped || this.#items.length >= this.capacity) {
      this.counters.dropped += 1;
      return false;
    }
    this.counters.accepted += 1;
    this.#items.push(item);
    this.#pump();
    return true;
  }

  get length(): number {
    return this.#items.length;
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    if (this.#items.length === 0 && this.#running === 0) return;
    await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops what is queued and accepts nothing more; returns the dropped items. */
  stop(): T[] {
    this.#stopped = true;
    return this.#items.splice(0);
  }

  #pump(): void {
    while (this.#running < this.concurrency && this.#items.length > 0) {
      const item = this.#items.shift()!;
      this.#running += 1;
      void this.#run(item);
    }
    if (this.#running === 0 && this.#items.length === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  async #run(item: T): Promise<void> {
    try {
      await this.#worker(item);
      this.counters.processed += 1;
    } catch (err) {
      this.counters.failed += 1;
      this.#onError(err, item);
    } finally {
      this.#running -= 1;
      this.#pump();
    }
  }
}
