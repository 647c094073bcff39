/**
 * Derives a new genesis file from an existing one (by default the repository's genesis.json):
 * `gradientcoin genesis` writes one for a private network, and `gradientcoin testnet --block-time`
 * writes one whose only change is the pace. The result is validated with the same parser every
 * node uses, and its chain id computed, before anyone writes it to disk.
 *
 * A genesis is JSON whose amounts are decimal strings; the builder works on that JSON (never on
 * parsed params), so whatever fields the template carries, including ones this file does not
 * know, pass through unchanged.
 */
import { decodeAddress } from '../../chain/address.ts';
import { makeGenesis, readGenesisFile, type Genesis } from '../../chain/genesis.ts';
import { GenesisError, parseGenesis } from '../../chain/genesis-json.ts';
import { toHex } from '../../consensus/hash.ts';
import { bitsToTarget, targetToBits } from '../../consensus/pow/compact.ts';
import { describeError } from '../../trainer/coded-error.ts';

export type GenesisJson = Record<string, unknown>;

export interface ModelOverrides {
  readonly layers?: number;
  readonly width?: number;
  readonly heads?: number;
  readonly contextLength?: number;
}

export interface AllocationText {
  /** The address as people write it, with the network's prefix. */
  readonly address: string;
  /** Base units (1 GC = 10^8). */
  readonly amount: bigint;
}

export type CorpusChoice =
  | { readonly source: 'brown'; readonly contentHash: string }
  | { readonly source: 'folder'; readonly path: string; readonly contentHash: string };

export interface GenesisOverrides {
  readonly network?: string;
  readonly addressPrefix?: string;
  /** Also rescales the starting difficulty and caps the contribution window: see withBlockTime. */
  readonly blockTimeSeconds?: number;
  /** Replaces the template's allocations when given. */
  readonly allocations?: readonly AllocationText[];
  readonly model?: ModelOverrides;
  readonly corpus?: CorpusChoice;
  readonly timestamp?: number;
  readonly message?: string;
  /** A new model seed; by default the template's (the model is then the same if its shape is). */
  readonly modelInitSeed?: string;
  /** Blocks before a reward can be spent (rewards.maturity). */
  readonly maturity?: number;
}

export interface BuiltGenesis {
  readonly json: GenesisJson;
  readonly genesis: Genesis;
  readonly chainId: string;
}

export async function readGenesisJson(path: string): Promise<GenesisJson> {
  const json = await readGenesisFile(path);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new GenesisError('(root)', `${path} must hold a JSON object`);
  return json as GenesisJson;
}

/** A deep copy of the template with the overrides applied; not yet validated (see buildGenesis). */
export function deriveGenesisJson(template: GenesisJson, overrides: GenesisOverrides): GenesisJson {
  let json = structuredClone(template);
  if (overrides.network !== undefined) json['network'] = overrides.network;
  if (overrides.addressPrefix !== undefined) json['addressPrefix'] = overrides.addressPrefix;
  if (overrides.timestamp !== undefined) json['timestamp'] = overrides.timestamp;
  if (overrides.message !== undefined) json['message'] = overrides.message;
  if (overrides.blockTimeSeconds !== undefined) json = withBlockTime(json, overrides.blockTimeSeconds);
  if (overrides.maturity !== undefined) json['rewards'] = { ...section(json, 'rewards'), maturity: overrides.maturity };
  if (overrides.model !== undefined || overrides.modelInitSeed !== undefined) {
    const model = { ...section(json, 'model') };
    const m = overrides.model ?? {};
    if (m.layers !== undefined) model['layers'] = m.layers;
    if (m.width !== undefined) model['width'] = m.width;
    if (m.heads !== undefined) model['heads'] = m.heads;
    if (m.contextLength !== undefined) model['contextLength'] = m.contextLength;
    if (overrides.modelInitSeed !== undefined) model['initSeed'] = overrides.modelInitSeed;
    json['model'] = model;
  }
  if (overrides.corpus !== undefined) {
    const corpus: Record<string, unknown> = { ...section(json, 'corpus'), source: overrides.corpus.source, contentHash: overrides.corpus.contentHash };
    if (overrides.corpus.source === 'folder') corpus['path'] = overrides.corpus.path;
    else delete corpus['path'];
    json['corpus'] = corpus;
  }
  if (overrides.allocations !== undefined) {
    json['allocations'] = overrides.allocations.map((a) => ({ address: a.address, amount: a.amount.toString() }));
  }
  return json;
}

/**
 * A new block time keeps the template's expected work per second: the starting target is scaled
 * by old/new block time (a 2 s network starts ten times easier than a 20 s one), clamped to the
 * proof-of-work limit. The contribution window, which every block waits before it is built, is
 * capped at half the block time so that a fast network is not paced by it instead.
 */
export function withBlockTime(template: GenesisJson, blockTimeSeconds: number): GenesisJson {
  if (!Number.isInteger(blockTimeSeconds) || blockTimeSeconds < 1 || blockTimeSeconds > 86_400) {
    throw new GenesisError('pow.blockTimeSeconds', `must be an integer from 1 to 86400, got ${blockTimeSeconds}`);
  }
  const json = structuredClone(template);
  const pow = { ...section(json, 'pow') };
  const oldTime = pow['blockTimeSeconds'];
  const bits = pow['genesisBits'];
  const limitHex = pow['powLimit'];
  if (typeof oldTime === 'number' && typeof bits === 'number' && typeof limitHex === 'string' && /^[0-9a-f]{64}$/.test(limitHex)) {
    const limit = BigInt(`0x${limitHex}`);
    const scaled = (bitsToTarget(bits) * BigInt(oldTime)) / BigInt(blockTimeSeconds);
    pow['genesisBits'] = targetToBits(scaled > limit ? limit : scaled < 1n ? 1n : scaled);
  }
  pow['blockTimeSeconds'] = blockTimeSeconds;
  json['pow'] = pow;
  const gauntlet = { ...section(json, 'gauntlet') };
  const window = gauntlet['collectionWindowSeconds'];
  if (typeof window === 'number') gauntlet['collectionWindowSeconds'] = Math.min(window, Math.floor(blockTimeSeconds / 2));
  json['gauntlet'] = gauntlet;
  return json;
}

/** Validates with the nodes' own parser and computes the chain id (the genesis block's hash). */
export function buildGenesis(json: GenesisJson): BuiltGenesis {
  const genesis = makeGenesis(parseGenesis(json));
  return { json, genesis, chainId: toHex(genesis.hash) };
}

/** Checks an allocation's address against the prefix it will be read with (a typo fails here, not at node start). */
export function checkAllocationAddress(prefix: string, address: string, index: number): void {
  try {
    decodeAddress(prefix, address);
  } catch (err) {
    throw new GenesisError(`allocations[${index}].address`, describeError(err));
  }
}

/** The file's text: two-space JSON with a final newline, as genesis.json. */
export function genesisText(json: GenesisJson): string {
  return `${JSON.stringify(json, null, 2)}\n`;
}

function section(json: GenesisJson, key: string): Record<string, unknown> {
  const value = json[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GenesisError(key, 'must be an object');
  return value as Record<string, unknown>;
}
