/**
 * The mining loop: take a template for the current tip, search its nonce on the CPU miner, submit
 * what is found, and start over. A tip change aborts the search at once (the work is stale); a
 * periodic refresh rebuilds the template so new transfers and a fresh timestamp get in.
 *
 * The loop heals: an unexpected error (a template that cannot be built, a submission that throws
 * something other than a verdict on the block) is logged with its reason and the loop starts
 * again after a backoff that doubles from 1 s to 1 minute, and falls back to 1 s once a block is
 * found. A miner that stopped for good on one error would leave the node mining nothing until an
 * operator noticed.
 */
import type { Block } from '../../consensus/types.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { decodeHeader, encodeHeader } from '../../chain/header.ts';
import { toHex } from '../../consensus/hash.ts';
import type { CpuMiner } from './cpu-miner.ts';
import type { Logger } from '../log.ts';
import { describeError } from '../../trainer/coded-error.ts';

export interface MiningLoopOptions {
  readonly miner: CpuMiner;
  /** The block to mine on the current tip (may wait, e.g. for a contribution window). */
  readonly buildTemplate: (signal: AbortSignal) => Promise<Block | null>;
  /** Hands a solved block to the chain. */
  readonly submit: (block: Block) => Promise<void>;
  readonly log: Logger;
  /** Rebuild the template after this long without a solution (default 10 s). */
  readonly refreshMs?: number;
  /** Wait before restarting after an error: doubles from `firstMs` to `maxMs` (default 1 s, 60 s). */
  readonly restartBackoff?: { readonly firstMs: number; readonly maxMs: number };
}

export const DEFAULT_RESTART_BACKOFF = Object.freeze({ firstMs: 1_000, maxMs: 60_000 });

export class MiningLoop {
  readonly #options: MiningLoopOptions;
  #running = false;
  #current: AbortController | null = null;
  #done: Promise<void> | null = null;
  #found = 0;
  #restarts = 0;
  #backoffMs: number;
  #wake: (() => void) | null = null;

  constructor(opts: MiningLoopOptions) {
    this.#options = opts;
    this.#backoffMs = this.#backoff.firstMs;
  }

  get #backoff(): { readonly firstMs: number; readonly maxMs: number } {
    return this.#options.restartBackoff ?? DEFAULT_RESTART_BACKOFF;
  }

  /** Times the loop started again after an error. */
  get restarts(): number {
    return this.#restarts;
  }

  get blocksFound(): number {
    return this.#found;
  }

  get running(): boolean {
    return this.#running;
  }

  hashRate(): number {
    return this.#options.miner.hashRate();
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#done = this.#supervise();
  }

  /** Runs the loop, and runs it again after each unexpected error, until stopped. */
  async #supervise(): Promise<void> {
    while (this.#running) {
      try {
        await this.#run();
      } catch (err) {
        if (!this.#running) return;
        const delayMs = this.#backoffMs;
        this.#backoffMs = Math.min(this.#backoff.maxMs, delayMs * 2);
        this.#restarts++;
        const reason = describeError(err);
        this.#options.log.error({ err, restartInMs: delayMs, restarts: this.#restarts }, `mining failed (${reason}); restarting in ${delayMs} ms`);
        await this.#sleep(delayMs);
      }
    }
  }

  /** A pause that stop() cuts short. */
  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = null;
  }

  /** The tip moved: the current search is stale. */
  tipChanged(): void {
    this.#current?.abort();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#current?.abort();
    this.#wake?.();
    await this.#done;
  }

  async #run(): Promise<void> {
    const { miner, log } = this.#options;
    while (this.#running) {
      const controller = new AbortController();
      this.#current = controller;
      const template = await this.#options.buildTemplate(controller.signal);
      if (!this.#running) break;
      if (!template || controller.signal.aborted) continue;
      const timer = setTimeout(() => controller.abort(), this.#options.refreshMs ?? 10_000);
      try {
        const result = await miner.mine({ header: encodeHeader(template.header), target: bitsToTarget(template.header.bits) }, controller.signal);
        if (!result) continue;
        const block: Block = Object.freeze({ ...template, header: decodeHeader(result.header) });
        this.#found++;
        this.#backoffMs = this.#backoff.firstMs;
        log.info({ height: block.header.height, hash: toHex(result.hash), txs: block.txs.length }, 'mined a block');
        await this.#options.submit(block);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
