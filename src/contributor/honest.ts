/**
 * The honest contributor: for each new tip, start from the tip's model, train H inner steps
 * (AdamW) on the pages the chain assigns to this contributor for that tip, and send the
 * pseudo-gradient Δ = θ_start − θ_end plus its error feedback, compressed (DESIGN.md §5), signed
 * for a block on the tip. The Gauntlet pays it when Δ lowers the loss on the block's random pages
 * (score) and, over time, when Δ helps its own pages more than random ones (it trained on them).
 */
import type { ChainParams } from '../../consensus/params.ts';
import type { Contribution } from '../../consensus/types.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import type { KeyPair } from '../../chain/keys.ts';
import type { BackendChoice } from '../../trainer/engine/backends.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { assignedTrainingPages, batchSeed, codecOptionsOf, judgedWindows, payloadBound, signPayload, trainDelta } from './local-training.ts';
import type { TrainingStats } from './local-training.ts';

export interface ContributeOptions {
  readonly params: ChainParams;
  readonly dataset: Dataset;
  /** The block the contribution is for: the chain's tip. */
  readonly parentHash: Uint8Array;
  /** θ after `parentHash`; not modified. */
  readonly model: Float32Array;
  readonly keyPair: KeyPair;
  /** This contributor's residual across rounds (one per contributor, kept between calls). */
  readonly errorFeedback: ErrorFeedback;
  readonly steps: number;
  readonly lr: number;
  readonly batchSize: number;
  readonly backend?: BackendChoice;
  /** Default: the genesis' training.weightDecay. */
  readonly weightDecay?: number;
  /** Seeds the batch draws (default parentHash ‖ public key). */
  readonly seed?: Uint8Array;
  /**
   * Half of every batch on the windows the Gauntlet judges this contributor's pages by (default
   * true; see local-training.ts for why), the rest drawn from the pages at random.
   */
  readonly coverJudgedWindows?: boolean;
  /** Told how fast the training ran, once it is over. */
  readonly onTrained?: (stats: TrainingStats) => void;
  /**
   * Leading zero bits of the work stamp (default the genesis' stampBits, the least allowed). A
   * contributor without a final yet may pay more: among newcomers the pools and templates
   * prefer more stamp work (consensus/gauntlet/value.ts), and spam pays per fresh key.
   */
  readonly stampBits?: number;
}

/** Trains on the pages assigned to `assignee` (default: the contributor) and returns Δ. */
export function honestDelta(opts: ContributeOptions, assignee: Uint8Array = opts.keyPair.publicKey): Promise<Float32Array> {
  return trainDelta({
    params: opts.params,
    model: opts.model,
    pages: assignedTrainingPages(opts.params, opts.dataset, opts.parentHash, assignee),
    ...(opts.coverJudgedWindows ?? true ? { judgedWindows: judgedWindows(opts.params, opts.dataset, opts.parentHash, assignee) } : {}),
    steps: opts.steps,
    lr: opts.lr,
    batchSize: opts.batchSize,
    seed: opts.seed ?? batchSeed(opts.parentHash, opts.keyPair.publicKey),
    ...(opts.weightDecay !== undefined ? { weightDecay: opts.weightDecay } : {}),
    ...(opts.backend !== undefined ? { backend: opts.backend } : {}),
    ...(opts.onTrained !== undefined ? { onTrained: opts.onTrained } : {}),
  });
}

/**
 * Compresses Δ with the error feedback, within the network's norm bound (so the Gauntlet can
 * aggregate it), and signs it for a block on `parentHash`.
 */
export function sealContribution(opts: Pick<ContributeOptions, 'params' | 'parentHash' | 'keyPair' | 'errorFeedback' | 'stampBits'>, delta: Float32Array): Contribution {
  const payload = opts.errorFeedback.compress(delta, codecOptionsOf(opts.params), payloadBound(opts.params));
  return signPayload(opts.params, opts.keyPair, opts.parentHash, payload, opts.stampBits);
}

/** One honest contribution for a block on `parentHash`. */
export async function contribute(opts: ContributeOptions): Promise<Contribution> {
  return sealContribution(opts, await honestDelta(opts));
}

/** What a contributor follows: the chain's tip and its model (chain/chain.ts's Chain fits). */
export interface FollowedChain {
  readonly params: ChainParams;
  tip(): { readonly hash: Uint8Array };
  model(): Float32Array;
  on(event: 'tip', listener: () => void): unknown;
  off(event: 'tip', listener: () => void): unknown;
}

export interface HonestContributorOptions {
  readonly chain: FollowedChain;
  readonly dataset: Dataset;
  readonly keyPair: KeyPair;
  /** Default: the genesis' training recipe. */
  readonly steps?: number;
  readonly lr?: number;
  readonly batchSize?: number;
  readonly backend?: BackendChoice;
  /** Where contributions go: a pool's add, a gossip publish. */
  readonly submit: (contribution: Contribution) => unknown;
  /** Training failures (the loop carries on with the next tip). */
  readonly onError?: (err: unknown) => void;
  /**
   * Whether the tip is worth a contribution now (a node: only once it has synced, since the old
   * tips it passes during a sync will never get another block). Asked again on every tip and
   * every `readyPollMs`. Default: always.
   */
  readonly ready?: () => boolean;
  readonly readyPollMs?: number;
}

const DEFAULT_READY_POLL_MS = 1_000;

/**
 * Follows a chain: one contribution per tip, trained from that tip's model. A tip that moves while
 * training makes the result stale: it is dropped before compression, so the error feedback only
 * ever absorbs what was sent.
 */
export class HonestContributor {
  readonly #options: HonestContributorOptions;
  readonly #errorFeedback: ErrorFeedback;
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #last: Uint8Array | null = null;
  #submitted = 0;
  #dropped = 0;
  #tokensPerSecond = 0;
  #cpuTokensPerSecond: number | null = null;

  constructor(opts: HonestContributorOptions) {
    this.#options = opts;
    this.#errorFeedback = new ErrorFeedback(opts.chain.model().length);
  }

  /** Contributions handed to `submit`. */
  get submitted(): number {
    return this.#submitted;
  }

  /** Trainings thrown away because the tip moved meanwhile. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Training speed of the last training, in predicted tokens per second (0 before the first). */
  get tokensPerSecond(): number {
    return this.#tokensPerSecond;
  }

  /** The same per CPU second of the training thread; null where the engine does not measure it. */
  get cpuTokensPerSecond(): number | null {
    return this.#cpuTokensPerSecond;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#options.chain.on('tip', this.#onTip);
    this.#loop = this.#run();
  }

  /** Stops after the training under way, if any. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#options.chain.off('tip', this.#onTip);
    this.#onTip();
    await this.#loop;
  }

  readonly #onTip = (): void => {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };

  async #run(): Promise<void> {
    const { chain } = this.#options;
    while (this.#running) {
      const parentHash = chain.tip().hash;
      if (this.#last && bytesEqual(this.#last, parentHash)) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      if (this.#options.ready && !this.#options.ready()) {
        await this.#nextTipOr(this.#options.readyPollMs ?? DEFAULT_READY_POLL_MS);
        continue;
      }
      this.#last = parentHash;
      try {
        await this.#contributeTo(parentHash, chain.model());
      } catch (err) {
        this.#options.onError?.(err);
      }
    }
  }

  /** Resolves on the next tip, or after `ms`. */
  async #nextTipOr(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.#wake = null;
  }

  async #contributeTo(parentHash: Uint8Array, model: Float32Array): Promise<void> {
    const { chain, dataset, keyPair } = this.#options;
    const params = chain.params;
    const training = params.training;
    const opts: ContributeOptions = {
      params,
      dataset,
      parentHash,
      model,
      keyPair,
      errorFeedback: this.#errorFeedback,
      steps: this.#options.steps ?? training.innerSteps,
      lr: this.#options.lr ?? training.learningRate,
      batchSize: this.#options.batchSize ?? training.batchSize,
      ...(this.#options.backend !== undefined ? { backend: this.#options.backend } : {}),
      onTrained: ({ tokensPerSecond, cpuTokensPerSecond }) => {
        this.#tokensPerSecond = tokensPerSecond;
        this.#cpuTokensPerSecond = cpuTokensPerSecond ?? null;
      },
    };
    const delta = await honestDelta(opts);
    if (!this.#running || !bytesEqual(chain.tip().hash, parentHash)) {
      this.#dropped++;
      return;
    }
    const contribution = sealContribution(opts, delta);
    this.#submitted++;
    await this.#options.submit(contribution);
  }
}
