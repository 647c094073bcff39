/**
 * What every contributor does, honest or not, in pieces: find the pages assigned to it for a
 * parent block (and the windows of them the Gauntlet will judge it on), train from the parent's
 * model on those pages with the tfjs engine, and sign a payload for a block on that parent.
 * Training is not consensus (the Gauntlet re-scores everything with the reference evaluator), so
 * any backend will do; the batches are drawn from a seeded generator so that a contributor's run
 * is reproducible on one backend.
 *
 * Batches: when judged windows are given, a share of every batch (the genesis' judgedBatchShare,
 * default half) cycles through them and the rest is drawn at random from the pages. The judged
 * windows are public (they follow from the parent and the contributor's address). A short run on
 * one page that does not make sure to cover them leaves its own-versus-random indicator to chance
 * (measured with 16 values of every 1,024 sent: +1 in about 3 blocks of 4 with random windows
 * only, every time with half the batch on them); a long run over many pages beats random pages on
 * its own ones without pinning, and pinning would cost it generalisation, so the testnet's recipe
 * pins nothing (docs/protocol.md, The recipe).
 */
import type { ChainParams } from '../../consensus/params.ts';
import type { Contribution } from '../../consensus/types.ts';
import { addressHash } from '../../consensus/address.ts';
import { contributorPages, ownEvalWindows } from '../../consensus/gauntlet/assignment.ts';
import { signContribution } from '../../chain/contribution.ts';
import type { KeyPair } from '../../chain/keys.ts';
import type { CodecOptions } from '../../trainer/codec.ts';
import type { NormBound } from '../../trainer/error-feedback.ts';
import { currentBackend, selectBackend, type BackendChoice } from '../../trainer/engine/backends.ts';
import { pseudoGradient, trainInner } from '../../trainer/engine/train.ts';
import { paramLayout } from '../../trainer/layout.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { createPrng } from '../../trainer/prng.ts';
import { trainingBatch } from '../../trainer/windows.ts';

/** AdamW's moments and the clip every contributor of this project uses (docs/training-engine.md). */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.95;
export const ADAM_EPS = 1e-8;
export const GRAD_CLIP = 1;

export interface LocalTrainingOptions {
  readonly params: ChainParams;
  /** θ to start from (the parent's model); not modified. */
  readonly model: Float32Array;
  /** The pages to draw training windows from. */
  readonly pages: readonly Uint8Array[];
  /** Windows that fill `judgedBatchShare` of every batch, in turn (the judged windows of `pages`). */
  readonly judgedWindows?: readonly Uint8Array[];
  /** Default: the genesis' training.judgedBatchShare, else ½. */
  readonly judgedBatchShare?: number;
  readonly steps: number;
  readonly lr: number;
  readonly batchSize: number;
  /** Default: the genesis' training.weightDecay. */
  readonly weightDecay?: number;
  /** Seeds the batch draws. */
  readonly seed: Uint8Array;
  /** Selects this engine backend first if another one is current ('auto' only if none is). */
  readonly backend?: BackendChoice;
  /** Told how fast the training ran, once it is over. */
  readonly onTrained?: (stats: TrainingStats) => void;
}

export interface TrainingStats {
  /** Predicted positions per second of wall time over the inner loop. */
  readonly tokensPerSecond: number;
  /** Per CPU second of the training thread, where the engine measures it (TrainResult). */
  readonly cpuTokensPerSecond?: number;
}

/** Half of every batch on the judged windows where the genesis does not say otherwise. */
export const DEFAULT_JUDGED_BATCH_SHARE = 0.5;

/**
 * The residual an honest contributor carries is held to this many times the network's norm bound:
 * what the bound keeps out of one payload is sent in the next rounds, but a residual grown far
 * beyond one payload is stale work from models long gone.
 */
export const RESIDUAL_BOUND_FACTOR = 2;

/** The error feedback's bounds for this network: payloads the Gauntlet may aggregate. */
export function payloadBound(params: ChainParams): NormBound {
  return { maxNorm: params.gauntlet.maxDeltaNorm, maxResidualNorm: RESIDUAL_BOUND_FACTOR * params.gauntlet.maxDeltaNorm };
}

export function codecOptionsOf(params: ChainParams): CodecOptions {
  return { chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK };
}

/** The training pages the Gauntlet will judge `publicKey`'s contribution on, for this parent. */
export function assignedTrainingPages(params: ChainParams, dataset: Dataset, parentHash: Uint8Array, publicKey: Uint8Array): Uint8Array[] {
  const settings = { contextLength: params.model.contextLength, gauntlet: params.gauntlet };
  return contributorPages(settings, dataset, parentHash, addressHash(publicKey)).map((j) => dataset.trainingPage(j));
}

/** The windows of those pages the Gauntlet compares against random pages (its own-page losses). */
export function judgedWindows(params: ChainParams, dataset: Dataset, parentHash: Uint8Array, publicKey: Uint8Array): Uint8Array[] {
  const settings = { contextLength: params.model.contextLength, gauntlet: params.gauntlet };
  return ownEvalWindows(settings, dataset, parentHash, addressHash(publicKey));
}

/** The default batch seed: parent ‖ public key, so each contributor draws its own batches per block. */
export function batchSeed(parentHash: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const seed = new Uint8Array(parentHash.length + publicKey.length);
  seed.set(parentHash);
  seed.set(publicKey, parentHash.length);
  return seed;
}

async function useBackend(choice: BackendChoice | undefined): Promise<void> {
  if (choice === undefined) return;
  const current = currentBackend();
  if (choice === 'auto' ? current !== null : current?.name === choice) return;
  await selectBackend(choice);
}

/** Δ = θ_start − θ_end after `steps` AdamW steps on batches drawn from `pages`. */
export async function trainDelta(opts: LocalTrainingOptions): Promise<Float32Array> {
  await useBackend(opts.backend);
  const { params } = opts;
  const prng = createPrng(opts.seed);
  const judged = opts.judgedWindows ?? [];
  const share = opts.judgedBatchShare ?? params.training.judgedBatchShare ?? DEFAULT_JUDGED_BATCH_SHARE;
  const pinned = judged.length > 0 ? Math.floor(opts.batchSize * share) : 0;
  const batch = (step: number): Uint8Array[] => [
    ...Array.from({ length: pinned }, (_, i) => judged[(step * pinned + i) % judged.length]!),
    ...trainingBatch(opts.pages, params.model.contextLength, opts.batchSize - pinned, () => prng.nextU32()),
  ];
  const { params: end, tokensPerSecond, cpuTokensPerSecond } = await trainInner({
    layout: paramLayout(params.model),
    params: opts.model,
    batches: batch,
    steps: opts.steps,
    lr: opts.lr,
    weightDecay: opts.weightDecay ?? params.training.weightDecay,
    beta1: ADAM_BETA1,
    beta2: ADAM_BETA2,
    eps: ADAM_EPS,
    gradClip: GRAD_CLIP,
  });
  opts.onTrained?.(cpuTokensPerSecond === undefined ? { tokensPerSecond } : { tokensPerSecond, cpuTokensPerSecond });
  return pseudoGradient(opts.model, end);
}

/** A payload signed by `keyPair` for a block on `parentHash` of this network. */
export function signPayload(params: ChainParams, keyPair: KeyPair, parentHash: Uint8Array, payload: Uint8Array, stampBits = params.gauntlet.stampBits): Contribution {
  if (stampBits < params.gauntlet.stampBits) throw new RangeError(`a stamp of ${stampBits} bits is below the network's ${params.gauntlet.stampBits}`);
  return signContribution({ chainId: params.chainId, contributorPublicKey: keyPair.publicKey, parentHash, payload }, keyPair.secretKey, stampBits);
}
