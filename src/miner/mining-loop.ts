/**
 * The mining loop: take a template for the current tip, search its nonce on the CPU miner, submit
 * what is found, and start over. A tip change aborts the search at once (the work is stale); a
 * periodic refresh rebuilds the template so new transfers and a fresh timestamp get in.
 */
import type { Block } from '../../consensus/types.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { decodeHeader, encodeHeader } from '../../chain/header.ts';
import { toHex } from '../../consensus/hash.ts';
import type { CpuMiner } from './cpu-miner.ts';
import type { Logger } from '../log.ts';

export interface MiningLoopOptions {
  readonly miner: CpuMiner;
  /** The block to mine on the current tip (may wait, e.g. for a contribution window). */
  readonly buildTemplate: (signal: AbortSignal) => Promise<Block | null>;
  /** Hands a solved block to the chain. */
  readonly submit: (block: Block) => Promise<void>;
  readonly log: Logger;
  /** Rebuild the template after this long without a solution (default 10 s). */
  readonly refreshMs?: number;
}

export class MiningLoop {
  readonly #options: MiningLoopOptions;
  #running = false;
  #current: AbortController | null = null;
  #done: Promise<void> | null = null;
  #found = 0;

  constructor(opts: MiningLoopOptions) {
    this.#options = opts;
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
    this.#done = this.#run().catch((err: unknown) => {
      this.#running = false;
      this.#options.log.error({ err }, 'mining stopped on an error');
    });
  }

  /** The tip moved: the current search is stale. */
  tipChanged(): void {
    this.#current?.abort();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#current?.abort();
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
        log.info({ height: block.header.height, hash: toHex(result.hash), txs: block.txs.length }, 'mined a block');
        await this.#options.submit(block);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
