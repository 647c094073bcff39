/**
 * One queue for all chain mutations. Block handling awaits storage between its steps; without
 * this, two concurrent addBlock calls could interleave a reorganisation with a connect.
 */
export class Mutex {
  #last: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every previously queued call has settled; a failure does not block the queue. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#last.then(() => fn());
    this.#last = result.catch(() => undefined);
    return result;
  }
}
