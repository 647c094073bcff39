/**
 * How well the chain learns, measured as a user would: an in-process chain of honest contributors
 * (real `contribute` training with error feedback, real blocks through `buildGauntletBlock`, i.e.
 * the Gauntlet's scoring and outer step) from a genesis, against plain AdamW from the same genesis
 * model, all measured on the dashboard's held-out windows (`HeldOutLoss`).
 *
 * The AdamW runs draw batches of the recipe's size from every training page, at the recipe's
 * learning rate: one at equal tokens (contributors × inner steps per block) and one at equal
 * sequential steps (inner steps per block). Each continues from its last checkpoint with fresh
 * AdamW moments (β2 = 0.95 re-warms them within a few tens of steps), so a run costs its steps once.
 * Shared by bench/learning.bench.ts and bench/learning-sweep.ts.
 */
import { buildGauntletBlock, type ParentState } from '../consensus/connect.ts';
import { addressHash } from '../consensus/address.ts';
import { HEADER_VERSION, type GenesisParams } from '../consensus/params.ts';
import { compareBytes } from '../consensus/state-root.ts';
import { decodeContributionPayload } from '../consensus/gauntlet/filters.ts';
import { l2Norm } from '../consensus/gauntlet/aggregate.ts';
import { genesisAccounts, loadGenesis, makeGenesis } from '../chain/genesis.ts';
import { keyPairFromSecret } from '../chain/keys.ts';
import { contribute } from '../src/contributor/honest.ts';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPS, GRAD_CLIP } from '../src/contributor/local-training.ts';
import { HeldOutLoss } from '../src/dashboard/held-out-loss.ts';
import { loadNetworkDataset } from '../src/gauntlet/dataset.ts';
import { selectBackend } from '../trainer/engine/backends.ts';
import { trainInner } from '../trainer/engine/train.ts';
import { ErrorFeedback } from '../trainer/error-feedback.ts';
import { paramLayout } from '../trainer/layout.ts';
import { modelHash } from '../trainer/model-hash.ts';
import { createPrng } from '../trainer/prng.ts';
import { trainingBatch } from '../trainer/windows.ts';
import { stateAfter } from '../test/util/gauntlet-fixtures.ts';
import { toHex } from '../consensus/hash.ts';
import { earnedRewards, maturingHeight } from '../consensus/maturity.ts';
import type { Block, ReportEntry } from '../consensus/types.ts';

/** genesis.json with some of its sections' fields replaced (the sweep's and the log's command line). */
export async function genesisWithOverrides(overrides: Readonly<Record<string, Readonly<Record<string, unknown>>>>): Promise<GenesisParams> {
  const base = (await loadGenesis()).params;
  return Object.fromEntries(
    Object.entries(base).map(([k, v]) => [k, overrides[k] !== undefined ? { ...(v as object), ...overrides[k] } : v]),
  ) as unknown as GenesisParams;
}

export interface LearningOptions {
  readonly genesis: GenesisParams;
  readonly contributors: number;
  /** Held-out loss is reported after each of these block counts (ascending); the last is the run's length. */
  readonly checkpoints: readonly number[];
  /** Also run the AdamW baselines (default true). */
  readonly baselines?: boolean;
  /** Which contributors (their keys, so their pages): 0, the default, is the benchmark's own set. */
  readonly keySet?: number;
  /** Called with each chain checkpoint as it is reached (a long run reports as it goes). */
  readonly onCheckpoint?: (checkpoint: Checkpoint) => void;
  /** Called with each block's report as the block is made (the scores behind the shares). */
  readonly onBlock?: (height: number, report: readonly ReportEntry[]) => void;
}

export interface Checkpoint {
  readonly blocks: number;
  readonly tokens: number;
  readonly chain: number;
  readonly adamEqualTokens?: number;
  readonly adamEqualSteps?: number;
  readonly chainOverEqualTokens?: number;
  readonly chainOverEqualSteps?: number;
  /** Honest contributions aggregated so far, of all sent. */
  readonly aggregatedShare: number;
  /** Honest contributions so far whose own-pages indicator was +1 (they are paid only then). */
  readonly indicatorShare: number;
  /** Blocks so far whose model differs from their parent's. */
  readonly changedShare: number;
  /** Mean L2 norm of the block's decoded payloads. */
  readonly meanPayloadNorm: number;
}

export interface LearningResult {
  readonly startLoss: number;
  readonly checkpoints: readonly Checkpoint[];
  /** Mean payload norm of each block, in order. */
  readonly payloadNorms: readonly number[];
  readonly seconds: number;
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** AdamW on random training windows, continued from `from` for `steps` steps. */
async function adam(genesis: GenesisParams, pages: readonly Uint8Array[], from: Float32Array, steps: number, seed: string): Promise<Float32Array> {
  if (steps === 0) return from;
  const prng = createPrng(new TextEncoder().encode(seed));
  const { training, model } = genesis;
  const result = await trainInner({
    layout: paramLayout(model),
    params: from,
    batches: () => trainingBatch(pages, model.contextLength, training.batchSize, () => prng.nextU32()),
    steps,
    lr: training.learningRate,
    weightDecay: training.weightDecay,
    beta1: ADAM_BETA1,
    beta2: ADAM_BETA2,
    eps: ADAM_EPS,
    gradClip: GRAD_CLIP,
  });
  return result.params;
}

export interface BaselinePoint {
  readonly blocks: number;
  readonly adamEqualTokens: number;
  readonly adamEqualSteps: number;
}

/**
 * The AdamW curves a chain of `contributors` on this genesis' recipe is compared with, at the same
 * checkpoints: equal tokens (contributors × inner steps per block) and equal sequential steps.
 */
export async function runBaselines(
  genesis: GenesisParams,
  contributors: number,
  checkpoints: readonly number[],
  onPoint?: (point: BaselinePoint) => void,
): Promise<BaselinePoint[]> {
  await selectBackend('fast');
  const g = makeGenesis(genesis);
  const dataset = await loadNetworkDataset(g.params);
  const heldOut = new HeldOutLoss(paramLayout(g.params.model), dataset);
  const loss = (model: Float32Array): number => heldOut.lossOf(model, toHex(modelHash(model)));
  const pages = Array.from({ length: dataset.trainingPageCount }, (_, j) => dataset.trainingPage(j));
  const { innerSteps } = g.params.training;
  let equalTokens = g.model;
  let equalSteps = g.model;
  let done = 0;
  const points: BaselinePoint[] = [];
  for (const at of checkpoints) {
    equalTokens = await adam(g.params, pages, equalTokens, (at - done) * contributors * innerSteps, `learning-tokens-${at}`);
    equalSteps = await adam(g.params, pages, equalSteps, (at - done) * innerSteps, `learning-steps-${at}`);
    points.push({ blocks: at, adamEqualTokens: loss(equalTokens), adamEqualSteps: loss(equalSteps) });
    onPoint?.(points.at(-1)!);
    done = at;
  }
  return points;
}

export async function runLearning(opts: LearningOptions): Promise<LearningResult> {
  const started = performance.now();
  await selectBackend('fast');
  const g = makeGenesis(opts.genesis);
  const params = g.params;
  const dataset = await loadNetworkDataset(params);
  const layout = paramLayout(params.model);
  const heldOut = new HeldOutLoss(layout, dataset);
  const loss = (model: Float32Array): number => heldOut.lossOf(model, toHex(modelHash(model)));
  const keys = Array.from({ length: opts.contributors }, (_, i) => keyPairFromSecret(new Uint8Array(32).fill(0x40 + i + 16 * (opts.keySet ?? 0))));
  const feedback = keys.map(() => new ErrorFeedback(g.model.length));
  const { innerSteps, learningRate, batchSize } = params.training;
  const tokensPerBlock = opts.contributors * innerSteps * batchSize * params.model.contextLength;

  let parent: ParentState = { hash: g.hash, accounts: genesisAccounts(params), ratings: new Map(), model: g.model, modelHash: modelHash(g.model) };
  let timestamp = g.block.header.timestamp;
  let aggregated = 0;
  let indicated = 0;
  let changed = 0;
  const payloadNorms: number[] = [];
  const checkpoints: Checkpoint[] = [];
  let done = 0;
  const blocks: Block[] = [g.block];
  for (const at of opts.checkpoints) {
    for (let height = done + 1; height <= at; height++) {
      const contributions = [];
      for (let i = 0; i < keys.length; i++) {
        contributions.push(
          await contribute({
            params,
            dataset,
            parentHash: parent.hash,
            model: parent.model,
            keyPair: keys[i]!,
            errorFeedback: feedback[i]!,
            steps: innerSteps,
            lr: learningRate,
            batchSize,
          }),
        );
      }
      contributions.sort((a, b) => compareBytes(addressHash(a.contributorPublicKey), addressHash(b.contributorPublicKey)));
      const norms = contributions.map((c) => l2Norm(decodeContributionPayload(params, c)));
      payloadNorms.push(norms.reduce((s, n) => s + n, 0) / norms.length);
      timestamp += params.pow.blockTimeSeconds;
      const header = {
        version: HEADER_VERSION,
        height,
        parentHash: parent.hash,
        timestamp,
        bits: params.pow.genesisBits,
        nonce: 0n,
        minerAddress: new Uint8Array(20).fill(0xee),
      };
      const earnedAt = maturingHeight(params, height);
      const maturing = earnedAt === null ? null : earnedRewards(params, blocks[earnedAt]!);
      const { block, state } = buildGauntletBlock(params, dataset, { ...parent, maturing }, { header, txs: [], contributions });
      blocks.push(block);
      opts.onBlock?.(height, state.report);
      aggregated += state.report.filter((e) => e.aggregated).length;
      indicated += state.report.filter((e) => e.indicator > 0).length;
      if (state.model !== parent.model) changed++;
      parent = stateAfter(parent, block, state);
    }
    checkpoints.push({
      blocks: at,
      tokens: at * tokensPerBlock,
      chain: round4(loss(parent.model)),
      aggregatedShare: round4(aggregated / (at * keys.length)),
      indicatorShare: round4(indicated / (at * keys.length)),
      changedShare: round4(changed / at),
      meanPayloadNorm: round4(payloadNorms.at(-1)!),
    });
    opts.onCheckpoint?.(checkpoints.at(-1)!);
    done = at;
  }
  const baselines = opts.baselines ?? true ? await runBaselines(opts.genesis, opts.contributors, opts.checkpoints) : [];
  return {
    startLoss: round4(loss(g.model)),
    checkpoints: checkpoints.map((c, i) => {
      const b = baselines[i];
      if (b === undefined) return c;
      return {
        ...c,
        adamEqualTokens: round4(b.adamEqualTokens),
        adamEqualSteps: round4(b.adamEqualSteps),
        chainOverEqualTokens: round4(c.chain / b.adamEqualTokens),
        chainOverEqualSteps: round4(c.chain / b.adamEqualSteps),
      };
    }),
    payloadNorms: payloadNorms.map(round4),
    seconds: Math.round((performance.now() - started) / 1000),
  };
}
