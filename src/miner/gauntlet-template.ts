/**
 * The miner's block source with the Gauntlet: after a new tip it waits for the genesis'
 * collection window (gauntlet.collectionWindowSeconds), so that contributors, who start training
 * when they see the tip, have time to submit; then it builds the block with the pool's
 * contributions for that tip and the mempool's best transfers. The wait is abortable (the mining
 * loop aborts when the tip moves or the node stops), and a rebuild on the same tip (the loop
 * refreshes its template) does not wait again.
 *
 * Building scores every contribution (about a second at the testnet's settings); with a
 * TemplateWorker it runs on a worker thread, otherwise in this thread after yielding once.
 * Fits src/node's BlockTemplateSource: `(request) => Promise<Block | null>`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChainParams } from '../../consensus/params.ts';
import type { Block, Contribution, Transfer } from '../../consensus/types.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { MAX_TRANSFER_BYTES } from '../../chain/tx.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { buildTemplate, type TemplateParent } from './template.ts';
import type { TemplateWorker } from './template-worker.ts';

/** What the source reads from the chain (chain/chain.ts's Chain fits). */
export interface TemplateChain {
  readonly params: ChainParams;
  tip(): { readonly hash: Uint8Array };
  tipState(): TemplateParent;
  dataset(): Dataset | null;
}

export interface GauntletTemplateRequest {
  readonly chain: TemplateChain;
  readonly mempool?: { selectForBlock(max: number): readonly Transfer[] };
  /** The address the block pays. */
  readonly miner: Uint8Array;
  /** The node's clock, seconds, when the request was made. */
  readonly now: number;
  readonly signal: AbortSignal;
}

export interface GauntletTemplateOptions {
  /** Where contributions come from (src/gauntlet/contribution-pool.ts); none: blocks without. */
  readonly pool?: { contributionsFor(parentHash: Uint8Array): readonly Contribution[] };
  /** Build on this thread (omitted) or on a worker thread. */
  readonly worker?: TemplateWorker;
  /** Default: the genesis' collectionWindowSeconds. */
  readonly collectionWindowMs?: number;
  /** Milliseconds, for the window. Default: the wall clock. */
  readonly clockMs?: () => number;
}

/** Room in a block for everything but transfers and contributions: header, list framing. */
const BLOCK_OVERHEAD_BYTES = 1024;
/** A report entry's bytes on the wire, rounded up. */
const REPORT_ENTRY_BYTES = 128;
/** A contribution's bytes beyond its payload (keys, parent, signature, framing), rounded up. */
const CONTRIBUTION_OVERHEAD_BYTES = 256;

/** How many transfers fit beside a full set of contributions. */
export function transferRoom(params: ChainParams): number {
  const g = params.gauntlet;
  const contributions = g.maxContributions * (g.maxPayloadBytes + CONTRIBUTION_OVERHEAD_BYTES + REPORT_ENTRY_BYTES);
  const room = params.limits.maxBlockBytes - BLOCK_OVERHEAD_BYTES - contributions;
  return Math.max(0, Math.min(params.limits.maxTransfers, Math.floor(room / MAX_TRANSFER_BYTES)));
}

export class GauntletTemplateSource {
  readonly #options: GauntletTemplateOptions;
  readonly #clockMs: () => number;
  #tip: Uint8Array | null = null;
  #tipSeenMs = 0;

  constructor(opts: GauntletTemplateOptions = {}) {
    this.#options = opts;
    this.#clockMs = opts.clockMs ?? Date.now;
  }

  /** Tells the source when a tip arrived (otherwise it is the first request on that tip). */
  noteTip(hash: Uint8Array): void {
    if (this.#tip && bytesEqual(this.#tip, hash)) return;
    this.#tip = hash;
    this.#tipSeenMs = this.#clockMs();
  }

  /** The block to mine on the current tip, or null when the request was aborted or went stale. */
  readonly template = async (request: GauntletTemplateRequest): Promise<Block | null> => {
    const { chain, signal } = request;
    const startedMs = this.#clockMs();
    const tip = chain.tip().hash;
    this.noteTip(tip);
    const dataset = chain.dataset();
    const pool = dataset ? this.#options.pool : undefined;
    if (pool) {
      const windowMs = this.#options.collectionWindowMs ?? chain.params.gauntlet.collectionWindowSeconds * 1000;
      const waitMs = this.#tipSeenMs + windowMs - this.#clockMs();
      if (waitMs > 0) {
        try {
          await sleep(waitMs, undefined, { signal });
        } catch (err) {
          if (signal.aborted) return null;
          throw err;
        }
      }
    }
    // One turn of the event loop, so that what arrived during the wait is handled first.
    if (!this.#options.worker) await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal.aborted || !bytesEqual(chain.tip().hash, tip)) return null;
    const parent = chain.tipState();
    const options = {
      miner: request.miner,
      now: request.now + Math.max(0, Math.floor((this.#clockMs() - startedMs) / 1000)),
      candidates: request.mempool?.selectForBlock(transferRoom(chain.params)) ?? [],
      contributions: pool?.contributionsFor(parent.hash) ?? [],
    };
    const block = this.#options.worker
      ? (await this.#options.worker.build(chain.params, parent, options)).block
      : buildTemplate(chain.params, parent, { ...options, ...(dataset ? { dataset } : {}) }).block;
    if (signal.aborted || !bytesEqual(chain.tip().hash, tip)) return null;
    return block;
  };
}
