/**
 * Shared test fixtures: a genesis with a trivial proof of work (about every other nonce works),
 * deterministic keys, and a block builder that applies the real rules (the full state transition,
 * the Gauntlet included) to compute the roots, the report and the model.
 */
import type { ChainParams, GenesisParams } from '../../consensus/params.ts';
import type { Account, Block, Contribution, Header, Transfer } from '../../consensus/types.ts';
import { addressHash } from '../../consensus/address.ts';
import type { ParentContext } from '../../consensus/header-rules.ts';
import { AccountOverlay, applyTransfer, mergeAccounts, type AccountMap } from '../../consensus/state-transition.ts';
import { connectBlockState, type ConnectedState } from '../../consensus/connect.ts';
import { mergeRatings, type RatingMap } from '../../consensus/gauntlet/state.ts';
import { NO_DATASET } from '../../chain/dataset.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { buildTemplate } from '../../src/miner/template.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { hashToBigInt } from '../../consensus/pow/target.ts';
import { headerHash } from '../../chain/header.ts';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { signTransfer } from '../../chain/tx.ts';
import { makeGenesis, type Genesis } from '../../chain/genesis.ts';
import { DEFAULT_MODEL_SPEC } from '../../trainer/spec.ts';
import { COIN } from '../../consensus/subsidy.ts';

export interface TestKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Uint8Array;
}

/** n deterministic key pairs: secret key i is 32 bytes of (i + 1). */
export function testKeys(n: number): TestKey[] {
  return Array.from({ length: n }, (_, i) => {
    const kp = keyPairFromSecret(new Uint8Array(32).fill(i + 1));
    return { ...kp, address: addressHash(kp.publicKey) };
  });
}

/** Bitcoin regtest's limit: 0x7fffff · 2^232, so a random hash meets it about half the time. */
export const EASY_BITS = 0x207fffff;
export const EASY_POW_LIMIT = 0x7fffffn << 232n;

export function testGenesisParams(overrides: Partial<GenesisParams> = {}): GenesisParams {
  const keys = testKeys(4);
  return {
    network: 'gc-test',
    addressPrefix: 'gctest',
    genesisTimestamp: 1_800_000_000,
    genesisMessage: 'test genesis',
    pow: { blockTimeSeconds: 20, asertHalfLifeSeconds: 600, powLimit: EASY_POW_LIMIT, genesisBits: EASY_BITS, maxFutureSeconds: 120 },
    rewards: { initialSubsidy: 50n * COIN, halvingInterval: 1000, minerShareBps: 2000 },
    limits: { maxBlockBytes: 4 * 1024 * 1024, maxTransfers: 5000 },
    model: DEFAULT_MODEL_SPEC,
    modelInitSeed: 'gc-test-model',
    corpus: { source: 'brown', path: null, pageSize: 4096, contentHash: '00'.repeat(32) },
    gauntlet: {
      topK: 8,
      alpha: 0.05,
      weightPower: 4,
      evalStepSize: 1,
      outerStepSize: 1,
      maxDeltaNorm: 4,
      pagesPerContributor: 1,
      randomEvalPages: 2,
      windowsPerPage: 8,
      maxContributions: 16,
      maxPayloadBytes: 65536,
      codecChunkSize: 1024,
      codecTopK: 16,
      collectionWindowSeconds: 5,
      stampBits: 8,
      maturityGames: 3,
      normaliserDecay: 0.02,
      normaliserFloor: 1,
    },
    training: { innerSteps: 10, learningRate: 0.001, batchSize: 8, weightDecay: 0.1 },
    allocations: keys.map((k) => ({ address: k.address, amount: 1000n * COIN })),
    ...overrides,
  };
}

const genesisCache = new Map<string, Genesis>();

/** The test network's genesis (memoised per override set). */
export function testGenesis(overrides: Partial<GenesisParams> = {}): Genesis {
  const key = JSON.stringify(overrides, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  let g = genesisCache.get(key);
  if (!g) {
    g = makeGenesis(testGenesisParams(overrides));
    genesisCache.set(key, g);
  }
  return g;
}

export function testParams(overrides: Partial<GenesisParams> = {}): ChainParams {
  return testGenesis(overrides).params;
}

export interface BuildParent extends ParentContext {
  readonly accounts: AccountMap;
  readonly ratings: RatingMap;
  readonly model: Float32Array;
}

/** The genesis as a parent context for building block 1. */
export function genesisParent(g: Genesis): BuildParent {
  return {
    hash: g.hash,
    header: g.block.header,
    recentTimestamps: [g.block.header.timestamp],
    anchorTimestamp: null,
    accounts: g.accounts,
    ratings: new Map(),
    model: g.model,
  };
}

/** Searches nonces from `start` until the header meets its own bits. */
export function solve(header: Header, start = 0n): Header {
  const target = bitsToTarget(header.bits);
  for (let nonce = start; ; nonce++) {
    const candidate = { ...header, nonce };
    if (hashToBigInt(headerHash(candidate)) <= target) return Object.freeze(candidate);
  }
}

export interface BuildOptions {
  readonly txs?: readonly Transfer[];
  readonly miner: Uint8Array;
  readonly timestamp?: number;
  /** Distinguishes sibling blocks with otherwise equal content. */
  readonly nonceStart?: bigint;
  /** Contributions on offer (all must pass the filters: a left-out one throws). */
  readonly contributions?: readonly Contribution[];
  /** The network dataset, for blocks with contributions. */
  readonly dataset?: Dataset;
}

/** Assembles a valid block on `parent` with the miner's template builder, then solves it. */
export function buildBlock(params: ChainParams, parent: BuildParent, opts: BuildOptions): Block {
  return buildBlockWithState(params, parent, opts).block;
}

/** The same, with what the block does to the state (so its child context needs no second run). */
export function buildBlockWithState(params: ChainParams, parent: BuildParent, opts: BuildOptions): { block: Block; state: ConnectedState } {
  const { block, contributionsLeftOut, state } = buildTemplate(params, parent, {
    miner: opts.miner,
    now: opts.timestamp ?? parent.header.timestamp + params.pow.blockTimeSeconds,
    candidates: opts.txs ?? [],
    ...(opts.contributions ? { contributions: opts.contributions } : {}),
    ...(opts.dataset ? { dataset: opts.dataset } : {}),
  });
  if (block.txs.length !== (opts.txs ?? []).length) {
    // Tests that build invalid blocks on purpose must see the rule's error, not a silent skip.
    const overlay = new AccountOverlay(parent.accounts);
    for (const tx of opts.txs ?? []) applyTransfer(overlay, tx);
  }
  if (contributionsLeftOut > 0) throw new Error(`${contributionsLeftOut} of the contributions offered did not pass the filters`);
  return { block: Object.freeze({ ...block, header: solve(block.header, opts.nonceStart ?? 0n) }), state };
}

/** The context of `block` as a parent, given its parent's context (the dataset: for contributions). */
export function childParent(params: ChainParams, parent: BuildParent, block: Block, dataset?: Dataset): BuildParent {
  return childFromState(parent, block, connectBlockState(params, dataset ?? NO_DATASET, { ...parent, modelHash: parent.header.modelHash }, block));
}

/** The context of `block` as a parent, from the state transition it makes on `parent`. */
export function childFromState(parent: BuildParent, block: Block, state: ConnectedState): BuildParent {
  return {
    hash: headerHash(block.header),
    header: block.header,
    recentTimestamps: [...parent.recentTimestamps, block.header.timestamp].slice(-11),
    anchorTimestamp: block.header.height === 1 ? block.header.timestamp : parent.anchorTimestamp,
    accounts: mergeAccounts(parent.accounts, state.changedAccounts),
    ratings: mergeRatings(parent.ratings, state.changedRatings),
    model: state.model,
  };
}

/** A signed transfer from `from` (at account nonce `nonce`). */
export function transfer(params: ChainParams, from: TestKey, to: Uint8Array, amount: bigint, fee: bigint, nonce: bigint): Transfer {
  return signTransfer({ chainId: params.chainId, senderPublicKey: from.publicKey, recipient: to, amount, fee, nonce }, from.secretKey);
}

export type { Account };
