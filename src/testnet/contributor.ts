/**
 * A contributor as a light client of one node: it follows the node's tip over JSON-RPC, fetches
 * the tip's model (`getmodel`, checked against the model hash the chain committed to), trains on
 * the pages the chain assigns it with the tfjs engine (src/contributor/), and submits the signed
 * contribution (`submitcontribution`); the node's pool gossips it to the miners. Honest, or one of
 * the adversaries of src/contributor/adversaries.ts.
 *
 * As src/contributor/honest.ts's HonestContributor: a tip that moves while training makes the
 * result stale, and an honest one drops it before compression, so the error feedback only ever
 * absorbs what was sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeBlock } from '../../chain/block.ts';
import { encodeContribution } from '../../chain/contribution.ts';
import type { KeyPair } from '../../chain/keys.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import type { ChainParams } from '../../consensus/params.ts';
import type { Contribution } from '../../consensus/types.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { paramLayout } from '../../trainer/layout.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { adversaryContribution, type AdversaryOptions } from '../contributor/adversaries.ts';
import { honestDelta, sealContribution, type ContributeOptions } from '../contributor/honest.ts';
import { fetchModel, type FetchedModel } from '../cli/generate.ts';
import { rpcCall, RpcError, type RpcCallOptions } from '../rpc/client.ts';
import type { ContributorKind } from './config.ts';
import { describeError } from '../../trainer/coded-error.ts';

/** What a contributor reports, one JSON object per line on its stdout, for the testnet's view. */
export type ContributorEvent =
  | { readonly event: 'ready'; readonly address: string; readonly kind: ContributorKind }
  | { readonly event: 'training'; readonly height: number }
  | {
      readonly event: 'submitted';
      readonly height: number;
      readonly accepted: boolean;
      readonly reason?: string;
      readonly ms: number;
      /** Training speed, predicted tokens per second of wall time (for contributors that train). */
      readonly tokensPerSecond?: number;
      /**
       * The same per CPU second of the training thread, where the engine measures it: the engine's
       * own speed, without the time the testnet's other processes took from it.
       */
      readonly cpuTokensPerSecond?: number;
    }
  | { readonly event: 'skipped'; readonly height: number; readonly reason: string }
  | { readonly event: 'error'; readonly reason: string };

export interface RpcContributorOptions {
  readonly kind: ContributorKind;
  readonly params: ChainParams;
  readonly dataset: Dataset;
  readonly keyPair: KeyPair;
  readonly rpc: RpcCallOptions;
  /** wrong-pages: the public key whose pages it trains on. */
  readonly pagesOf?: Uint8Array;
  readonly emit: (event: ContributorEvent) => void;
  /** How often the tip is polled (default 500 ms). */
  readonly pollMs?: number;
}

export class RpcContributor {
  readonly #options: RpcContributorOptions;
  readonly #errorFeedback: ErrorFeedback;
  #running = false;
  #last: Uint8Array | null = null;

  constructor(opts: RpcContributorOptions) {
    this.#options = opts;
    this.#errorFeedback = new ErrorFeedback(paramLayout(opts.params.model).total);
  }

  /** Runs until stop(); every failure is reported and the loop goes on with the next tip. */
  async run(): Promise<void> {
    this.#running = true;
    while (this.#running) {
      try {
        const tip = fromHex(await rpcCall<string>(this.#options.rpc, 'getbestblockhash'), 32);
        if (this.#last && bytesEqual(this.#last, tip)) {
          await sleep(this.#options.pollMs ?? 500);
          continue;
        }
        this.#last = tip;
        await this.#round(await fetchModel(this.#options.rpc));
      } catch (err) {
        this.#options.emit({ event: 'error', reason: describeError(err) });
        // An unreachable node is usually one still starting or stopping: wait, then try again.
        await sleep(err instanceof RpcError && err.code === 'unreachable' ? 2_000 : 1_000);
      }
    }
  }

  stop(): void {
    this.#running = false;
  }

  async #round(model: FetchedModel): Promise<void> {
    const { params, kind } = this.#options;
    const parentHash = fromHex(model.hash, 32);
    const base: ContributeOptions = {
      params,
      dataset: this.#options.dataset,
      parentHash,
      model: model.params,
      keyPair: this.#options.keyPair,
      errorFeedback: this.#errorFeedback,
      steps: params.training.innerSteps,
      lr: params.training.learningRate,
      batchSize: params.training.batchSize,
      onTrained: (stats) => {
        tokensPerSecond = Math.round(stats.tokensPerSecond);
        if (stats.cpuTokensPerSecond !== undefined) cpuTokensPerSecond = Math.round(stats.cpuTokensPerSecond);
      },
    };
    let tokensPerSecond: number | undefined;
    let cpuTokensPerSecond: number | undefined;
    const started = performance.now();
    let contribution: Contribution;
    if (kind === 'honest') {
      this.#options.emit({ event: 'training', height: model.height });
      const delta = await honestDelta(base);
      if (!(await this.#stillTip(parentHash))) {
        this.#options.emit({ event: 'skipped', height: model.height, reason: 'the tip moved while training' });
        return;
      }
      contribution = sealContribution(base, delta);
    } else {
      const extra = await this.#adversaryInputs(kind, model);
      if (typeof extra === 'string') {
        this.#options.emit({ event: 'skipped', height: model.height, reason: extra });
        return;
      }
      this.#options.emit({ event: 'training', height: model.height });
      contribution = await adversaryContribution(kind, { ...base, ...extra });
    }
    const answer = await rpcCall<{ accepted: boolean; reason?: string }>(this.#options.rpc, 'submitcontribution', [toHex(encodeContribution(contribution))]);
    this.#options.emit({
      event: 'submitted',
      height: model.height,
      accepted: answer.accepted,
      ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
      ms: Math.round(performance.now() - started),
      ...(tokensPerSecond !== undefined ? { tokensPerSecond } : {}),
      ...(cpuTokensPerSecond !== undefined ? { cpuTokensPerSecond } : {}),
    });
  }

  async #stillTip(hash: Uint8Array): Promise<boolean> {
    return this.#running && bytesEqual(fromHex(await rpcCall<string>(this.#options.rpc, 'getbestblockhash'), 32), hash);
  }

  /** What an adversary needs besides the honest options, or why it has nothing to do this round. */
  async #adversaryInputs(kind: Exclude<ContributorKind, 'honest'>, model: FetchedModel): Promise<Partial<AdversaryOptions> | string> {
    switch (kind) {
      case 'copycat': {
        // The best-scored contribution of the tip's block, re-signed for the next one.
        const hex = await rpcCall<string>(this.#options.rpc, 'getblock', [model.hash, 0]);
        const block = decodeBlock(fromHex(hex));
        const mine = this.#options.keyPair.publicKey;
        const candidates = block.contributions
          .map((c, i) => ({ c, score: block.report[i]?.score ?? -Infinity }))
          .filter(({ c }) => !bytesEqual(c.contributorPublicKey, mine))
          .sort((a, b) => b.score - a.score);
        return candidates[0] ? { victim: candidates[0].c } : 'nothing to copy: the tip block has no contribution';
      }
      case 'stale': {
        if (model.height === 0) return 'no parent before the genesis block to be stale on';
        const older = await fetchModel(this.#options.rpc, model.height - 1);
        return { staleParent: { hash: fromHex(older.hash, 32), model: older.params } };
      }
      case 'wrong-pages':
        return this.#options.pagesOf ? { pagesOf: this.#options.pagesOf } : 'no other contributor to take pages from';
      default:
        return {};
    }
  }
}
