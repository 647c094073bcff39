/**
 * The genesis block: allocations become the first accounts, the model starts from the
 * deterministic initialisation named by the genesis, and the block's hash is the chain id.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Account, Block, Header } from '../consensus/types.ts';
import type { ChainParams, GenesisParams } from '../consensus/params.ts';
import { HEADER_VERSION } from '../consensus/params.ts';
import { contributionsRoot, reportRoot, txRoot } from '../consensus/ids.ts';
import { computeStateRoot } from '../consensus/state-transition.ts';
import { toHexKey } from '../consensus/bytes.ts';
import { taggedHash } from '../consensus/hash.ts';
import { initParams } from '../trainer/init.ts';
import { paramLayout } from '../trainer/layout.ts';
import { modelHash } from '../trainer/model-hash.ts';
import { headerHash } from './header.ts';
import { GenesisError, parseGenesis } from './genesis-json.ts';
import { describeError } from '../trainer/coded-error.ts';

export const DEFAULT_GENESIS_PATH = fileURLToPath(new URL('../genesis.json', import.meta.url));

export interface Genesis {
  readonly params: ChainParams;
  readonly block: Block;
  readonly hash: Uint8Array;
  readonly accounts: Map<string, Account>;
  /** The model parameters at height 0. */
  readonly model: Float32Array;
}

/**
 * The genesis block's parent hash commits to every genesis parameter (as canonical JSON: keys
 * sorted, bigints as decimal strings, bytes as hex), so two networks that differ in any rule — a
 * Gauntlet constant, the message, the corpus — have different chain ids, even where the header has
 * no field for it.
 */
export function genesisCommitment(params: GenesisParams): Uint8Array {
  return taggedHash('genesis', new TextEncoder().encode(canonicalJson(params)));
}

function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Uint8Array) return JSON.stringify(toHexKey(value));
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function genesisModel(params: GenesisParams): Float32Array {
  return initParams(paramLayout(params.model), new TextEncoder().encode(params.modelInitSeed));
}

export function genesisAccounts(params: GenesisParams): Map<string, Account> {
  const accounts = new Map<string, Account>();
  params.allocations.forEach((a, i) => {
    const key = toHexKey(a.address);
    if (accounts.has(key)) throw new GenesisError(`allocations[${i}].address`, 'address is allocated twice');
    if (a.amount > 0n) accounts.set(key, Object.freeze({ balance: a.amount, nonce: 0n }));
  });
  return accounts;
}

/** Builds the genesis block from parameters (pure; deterministic). */
export function makeGenesis(genesisParams: GenesisParams): Genesis {
  const accounts = genesisAccounts(genesisParams);
  const model = genesisModel(genesisParams);
  const empty = { txs: [], contributions: [], report: [] } as const;
  const header: Header = Object.freeze({
    version: HEADER_VERSION,
    height: 0,
    parentHash: genesisCommitment(stripChainId(genesisParams)),
    timestamp: genesisParams.genesisTimestamp,
    bits: genesisParams.pow.genesisBits,
    nonce: 0n,
    minerAddress: new Uint8Array(20),
    txRoot: txRoot(empty),
    contributionsRoot: contributionsRoot(empty),
    reportRoot: reportRoot(empty),
    stateRoot: computeStateRoot(accounts),
    modelHash: modelHash(model),
  });
  const block: Block = Object.freeze({ header, ...empty });
  const hash = headerHash(header);
  const params: ChainParams = Object.freeze({ ...stripChainId(genesisParams), chainId: hash });
  return { params, block, hash, accounts, model };
}

function stripChainId(p: GenesisParams | ChainParams): GenesisParams {
  if (!('chainId' in p)) return p;
  const { chainId: _chainId, ...rest } = p;
  return rest;
}

/** Reads and parses a JSON file, with an error that names the file and what is wrong with it. */
export async function readGenesisFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new GenesisError('(file)', `cannot read ${path}: ${describeError(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new GenesisError('(file)', `${path} is not valid JSON: ${describeError(err)}`);
  }
}

/** Reads, validates and builds the genesis from a JSON file (default: the repository's genesis.json). */
export async function loadGenesis(path: string = DEFAULT_GENESIS_PATH): Promise<Genesis> {
  return makeGenesis(parseGenesis(await readGenesisFile(path)));
}
