/**
 * Shared pieces of the Gauntlet tests: the Brown corpus as a dataset, the genesis as a parent
 * state, signed contributions from float32 deltas, deterministic deltas that lower or raise the
 * loss, and block drafts.
 */
import type { ChainParams } from '../../consensus/params.ts';
import { HEADER_VERSION } from '../../consensus/params.ts';
import type { Block, Contribution, Header } from '../../consensus/types.ts';
import type { BlockDraft, ConnectedState, DerivedHeaderField, ParentState } from '../../consensus/connect.ts';
import { mergeRatings } from '../../consensus/gauntlet/state.ts';
import { mergeAccounts } from '../../consensus/state-transition.ts';
import { contributorPages } from '../../consensus/gauntlet/assignment.ts';
import { compareBytes } from '../../consensus/state-root.ts';
import { expectedBits } from '../../consensus/header-rules.ts';
import { signContribution } from '../../chain/contribution.ts';
import { headerHash } from '../../chain/header.ts';
import type { Genesis } from '../../chain/genesis.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { loadBrownCorpus } from '../../trainer/io/corpus-loader.ts';
import type { ParamLayout } from '../../trainer/layout.ts';
import { paramLayout, tensorView } from '../../trainer/layout.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { createDataset } from '../../trainer/pages.ts';
import { createPrng } from '../../trainer/prng.ts';
import type { TestKey } from './fixtures.ts';

let datasetPromise: Promise<Dataset> | null = null;

/** The Brown corpus in 4 KiB pages (loaded once per test file). */
export function brownDataset(): Promise<Dataset> {
  datasetPromise ??= loadBrownCorpus().then((corpus) => createDataset(corpus, { pageSize: 4096 }));
  return datasetPromise;
}

export function genesisState(g: Genesis): ParentState {
  return { hash: g.hash, accounts: g.accounts, ratings: new Map(), model: g.model, modelHash: g.block.header.modelHash };
}

/** `block` as the next block's parent, from the state transition it made on `parent` (no maturing rewards). */
export function stateAfter(parent: ParentState, block: Block, state: ConnectedState): ParentState {
  return {
    hash: headerHash(block.header),
    accounts: mergeAccounts(parent.accounts, state.changedAccounts),
    ratings: mergeRatings(parent.ratings, state.changedRatings),
    model: state.model,
    modelHash: state.modelHash,
  };
}

export function layoutOf(params: ChainParams): ParamLayout {
  return paramLayout(params.model);
}

/** A delta through the network's codec, signed by `key` for a block on `parentHash`. */
export function contribute(params: ChainParams, key: TestKey, parentHash: Uint8Array, delta: Float32Array): Contribution {
  const { payload } = encodePseudoGradient(delta, { chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK });
  return signContribution({ chainId: params.chainId, contributorPublicKey: key.publicKey, parentHash, payload }, key.secretKey, params.gauntlet.stampBits);
}

/** Contributions in canonical order (by contributor address). */
export function canonical(contributions: readonly Contribution[], keys: readonly TestKey[]): Contribution[] {
  const address = (c: Contribution): Uint8Array => keys.find((k) => compareBytes(k.publicKey, c.contributorPublicKey) === 0)!.address;
  return [...contributions].sort((a, b) => compareBytes(address(a), address(b)));
}

/**
 * A pseudo-gradient that lowers the loss at a freshly initialised model, computed without any
 * training engine: Δ on the final LayerNorm's bias = −lr · Σ_t (f_t − 1/256)·wte[t], with f the
 * byte frequencies of `pages`. At near-uniform predictions this is −lr times the loss gradient's
 * descent direction for that bias, so θ − Δ raises the logits of frequent bytes.
 */
export function unigramDelta(layout: ParamLayout, theta: Float32Array, pages: readonly Uint8Array[], lr: number): Float32Array {
  const counts = new Float64Array(256);
  let n = 0;
  for (const page of pages) {
    for (const b of page) counts[b]! += 1;
    n += page.length;
  }
  const d = layout.spec.width;
  const wte = tensorView(layout, theta, 'wte');
  const u = new Float64Array(d);
  for (let t = 0; t < 256; t++) {
    const f = counts[t]! / n - 1 / 256;
    for (let k = 0; k < d; k++) u[k]! += f * wte[t * d + k]!;
  }
  const delta = new Float32Array(layout.total);
  const bias = layout.byName.get('lnf.b')!;
  for (let k = 0; k < d; k++) delta[bias.offset + k] = -lr * u[k]!;
  return delta;
}

/** The unigram delta on the pages assigned to `key` for a block on `parentHash`. */
export function honestishDelta(
  params: ChainParams,
  dataset: Dataset,
  theta: Float32Array,
  parentHash: Uint8Array,
  key: TestKey,
  lr: number,
): Float32Array {
  const settings = { contextLength: params.model.contextLength, gauntlet: params.gauntlet };
  const pages = contributorPages(settings, dataset, parentHash, key.address).map((j) => dataset.trainingPage(j));
  return unigramDelta(layoutOf(params), theta, pages, lr);
}

/** Seeded Gaussian noise of standard deviation `std` on every parameter. */
export function noiseDelta(total: number, seed: string, std: number): Float32Array {
  const prng = createPrng(new TextEncoder().encode(seed));
  const delta = new Float32Array(total);
  for (let i = 0; i < total; i++) delta[i] = std * prng.gaussian();
  return delta;
}

export function scaled(delta: Float32Array, factor: number): Float32Array {
  return delta.map((v) => v * factor);
}

export function added(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v + b[i]!);
}

/** A draft of block 1 or 2 after `parent` (whose header is `parentHeader`), mined by `miner`. */
export function draftAfter(
  params: ChainParams,
  parent: ParentState,
  parentHeader: Header,
  miner: Uint8Array,
  content: Pick<BlockDraft, 'txs' | 'contributions'>,
): BlockDraft {
  const header: Omit<Header, DerivedHeaderField> = {
    version: HEADER_VERSION,
    height: parentHeader.height + 1,
    parentHash: parent.hash,
    timestamp: parentHeader.timestamp + params.pow.blockTimeSeconds,
    bits: expectedBits(params, parentHeader, parentHeader.height === 0 ? null : parentHeader.timestamp),
    nonce: 0n,
    minerAddress: miner,
  };
  return { header, ...content };
}
