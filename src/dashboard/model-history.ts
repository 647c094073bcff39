/**
 * The chain's model at any main-chain height, rebuilt from the blocks themselves: θ at height h is
 * the genesis model with every block's outer step applied in turn, and a block's step needs only
 * what the block carries — the contributions its report marks as aggregated, averaged by
 * consensus/gauntlet/aggregate.ts, the same function validators run. No scoring is repeated,
 * so a step costs a payload decode and one pass over the parameters.
 *
 * Every rebuilt model is checked against the model hash in its block's header, so a model this
 * returns is the chain's own, bit for bit, or an error says where it is not. Models are kept as
 * checkpoints every few heights (keyed by block hash, so a reorganisation cannot mix branches)
 * and the tip's comes straight from the chain.
 */
import { CodedError } from '../../trainer/coded-error.ts';
import type { Block, Header } from '../../consensus/types.ts';
import type { ChainParams } from '../../consensus/params.ts';
import { bytesEqual, toHexKey } from '../../consensus/bytes.ts';
import { toHex } from '../../consensus/hash.ts';
import { outerStep } from '../../consensus/gauntlet/aggregate.ts';
import { decodeContributionPayload } from '../../consensus/gauntlet/filters.ts';
import { genesisModel } from '../../chain/genesis.ts';
import { modelHash } from '../../trainer/model-hash.ts';

export interface HistoryEntry {
  readonly hash: Uint8Array;
  readonly height: number;
  readonly header: Header;
}

/** What the history reads from the chain (chain/chain.ts' Chain has all of it). */
export interface ModelChain {
  readonly params: ChainParams;
  tip(): HistoryEntry;
  getEntryAtHeight(height: number): HistoryEntry | undefined;
  getBlock(hash: Uint8Array): Promise<Block | undefined>;
  /** θ after the tip. */
  model(): Float32Array;
}

export type ModelHistoryErrorCode = 'height-out-of-range' | 'block-missing' | 'model-mismatch';

export class ModelHistoryError extends CodedError<ModelHistoryErrorCode> {}

export interface ModelAt {
  readonly entry: HistoryEntry;
  /** Never mutate: it may be the chain's own tip model or a cached checkpoint. */
  readonly model: Float32Array;
  readonly modelHash: string;
}

export interface ModelHistoryOptions {
  /** Keep a rebuilt model every this many heights (default 16). */
  readonly checkpointEvery?: number;
  /** At most this many checkpoints (default 64, ~30 MiB for the default model); the oldest go first. */
  readonly maxCheckpoints?: number;
}

export class ModelHistory {
  readonly #chain: ModelChain;
  readonly #every: number;
  readonly #max: number;
  readonly #checkpoints = new Map<string, Float32Array>();
  #genesis: Float32Array | null = null;
  /** Rebuilds run one at a time: two callers for nearby heights share the checkpoints. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(chain: ModelChain, options: ModelHistoryOptions = {}) {
    this.#chain = chain;
    this.#every = options.checkpointEvery ?? 16;
    this.#max = options.maxCheckpoints ?? 64;
  }

  /** θ after the main-chain block at `height`. */
  modelAt(height: number): Promise<ModelAt> {
    const tip = this.#chain.tip();
    if (!Number.isInteger(height) || height < 0 || height > tip.height) {
      return Promise.reject(new ModelHistoryError('height-out-of-range', `height ${height} is out of range (the tip is at ${tip.height})`));
    }
    if (height === tip.height) return Promise.resolve(this.#tipModel());
    const run = this.#queue.then(() => this.#rebuild(height));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #tipModel(): ModelAt {
    const entry = this.#chain.tip();
    return { entry, model: this.#chain.model(), modelHash: toHex(entry.header.modelHash) };
  }

  async #rebuild(height: number): Promise<ModelAt> {
    // The tip may have moved while this call waited its turn.
    if (height === this.#chain.tip().height) return this.#tipModel();
    // The main chain's hashes up to the target, read now: if the tip moves while blocks load, the
    // rebuild still follows one branch (blocks stay stored), and the answer is that branch's model.
    const path: HistoryEntry[] = [];
    let start = 0;
    let model: Float32Array | null = null;
    for (let h = height; h >= 0; h--) {
      const entry = this.#chain.getEntryAtHeight(h);
      if (!entry) throw new ModelHistoryError('height-out-of-range', `no main-chain block at height ${h}`);
      const checkpoint = this.#checkpoints.get(toHexKey(entry.hash));
      if (checkpoint) {
        model = checkpoint;
        start = h;
        path.push(entry);
        break;
      }
      path.push(entry);
      if (h === 0) {
        model = this.#genesisModel();
        start = 0;
      }
    }
    path.reverse();
    let current = model!;
    let previous = path[0]!;
    if (!bytesEqual(previous.header.modelHash, modelHash(current))) {
      throw new ModelHistoryError('model-mismatch', `the model at height ${start} does not hash to its header's model hash`);
    }
    for (const entry of path.slice(1)) {
      current = await this.#step(current, previous, entry);
      previous = entry;
      if (entry.height % this.#every === 0) this.#remember(entry, current);
    }
    return { entry: previous, model: current, modelHash: toHex(previous.header.modelHash) };
  }

  /** θ after `entry`'s block, from θ after its parent. */
  async #step(theta: Float32Array, parent: HistoryEntry, entry: HistoryEntry): Promise<Float32Array> {
    if (!bytesEqual(entry.header.parentHash, parent.hash)) {
      throw new ModelHistoryError('model-mismatch', `block ${toHex(entry.hash)} does not build on ${toHex(parent.hash)}`);
    }
    if (bytesEqual(entry.header.modelHash, parent.header.modelHash)) return theta;
    const block = await this.#chain.getBlock(entry.hash);
    if (!block) throw new ModelHistoryError('block-missing', `block ${toHex(entry.hash)} at height ${entry.height} is not stored`);
    const { params } = this.#chain;
    const chosen = block.contributions.filter((_, i) => block.report[i]?.aggregated === true).map((c) => decodeContributionPayload(params, c));
    const next = outerStep(theta, chosen, params.gauntlet.outerStepSize).model;
    if (!bytesEqual(modelHash(next), entry.header.modelHash)) {
      throw new ModelHistoryError('model-mismatch', `rebuilding the model of block ${toHex(entry.hash)} at height ${entry.height} does not give its header's model hash`);
    }
    return next;
  }

  #genesisModel(): Float32Array {
    this.#genesis ??= genesisModel(this.#chain.params);
    return this.#genesis;
  }

  #remember(entry: HistoryEntry, model: Float32Array): void {
    const key = toHexKey(entry.hash);
    if (this.#checkpoints.has(key)) return;
    if (this.#checkpoints.size >= this.#max) this.#checkpoints.delete(this.#checkpoints.keys().next().value!);
    this.#checkpoints.set(key, model);
  }
}
