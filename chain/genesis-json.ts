/**
 * genesis.json → ChainParams. Every field is checked and a bad one is named by its path
 * ("gauntlet.topK: must be an integer from 1 to 64"), so a person editing a genesis knows what to fix.
 */
import { CodedError } from '../trainer/coded-error.ts';
import type { Allocation, GauntletParams, GenesisParams } from '../consensus/params.ts';
import { parseModelSpec, ModelSpecError } from '../trainer/spec.ts';
import { decodeAddress, AddressError } from './address.ts';

/** A genesis that cannot be used; `field` is the path of the first bad value ('(file)': the file itself). */
export class GenesisError extends CodedError<'bad-genesis'> {
  readonly field: string;
  constructor(field: string, reason: string) {
    super('bad-genesis', `genesis: ${field}: ${reason}`);
    this.field = field;
  }
}

type Json = Record<string, unknown>;

function obj(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GenesisError(path, 'must be an object');
  return value as Json;
}

function int(o: Json, key: string, path: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new GenesisError(`${path}${key}`, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function num(o: Json, key: string, path: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new GenesisError(`${path}${key}`, `must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A number in (0, max]: a bound of 0 would shut every contribution out. */
function positive(o: Json, key: string, path: string, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) {
    throw new GenesisError(`${path}${key}`, `must be a number above 0 and at most ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function str(o: Json, key: string, path: string, pattern?: RegExp, hint?: string): string {
  const v = o[key];
  if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
    throw new GenesisError(`${path}${key}`, `must be a string${hint ? ` (${hint})` : ''}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Amounts and other big integers are decimal strings in JSON, so no precision is lost. */
function big(o: Json, key: string, path: string, max: bigint): bigint {
  const s = str(o, key, path, /^[0-9]{1,40}$/, 'a decimal integer string');
  const v = BigInt(s);
  if (v > max) throw new GenesisError(`${path}${key}`, `must be at most ${max}`);
  return v;
}

function parseGauntlet(o: Json): GauntletParams {
  const p = 'gauntlet.';
  return Object.freeze({
    topK: int(o, 'topK', p, 1, 64),
    alpha: num(o, 'alpha', p, 0, 1),
    weightPower: num(o, 'weightPower', p, 0.5, 8),
    evalStepSize: num(o, 'evalStepSize', p, 0, 100),
    outerStepSize: num(o, 'outerStepSize', p, 0, 100),
    maxDeltaNorm: positive(o, 'maxDeltaNorm', p, 1e6),
    ...(o['aggregationTolerance'] === undefined ? {} : { aggregationTolerance: num(o, 'aggregationTolerance', p, 0, 1) }),
    ...(o['minOwnGain'] === undefined ? {} : { minOwnGain: num(o, 'minOwnGain', p, 0, 1) }),
    pagesPerContributor: int(o, 'pagesPerContributor', p, 1, 1024),
    randomEvalPages: int(o, 'randomEvalPages', p, 1, 1024),
    windowsPerPage: int(o, 'windowsPerPage', p, 1, 1024),
    ...(o['ownWindowsPerPage'] === undefined ? {} : { ownWindowsPerPage: int(o, 'ownWindowsPerPage', p, 1, 1024) }),
    maxContributions: int(o, 'maxContributions', p, 1, 1024),
    maxPayloadBytes: int(o, 'maxPayloadBytes', p, 64, 1 << 20),
    codecChunkSize: int(o, 'codecChunkSize', p, 16, 65536),
    codecTopK: int(o, 'codecTopK', p, 1, 65535),
    collectionWindowSeconds: int(o, 'collectionWindowSeconds', p, 0, 3600),
    stampBits: int(o, 'stampBits', p, 0, 40),
    maturityGames: int(o, 'maturityGames', p, 1, 1000),
    normaliserDecay: num(o, 'normaliserDecay', p, 0, 1),
    normaliserFloor: num(o, 'normaliserFloor', p, 0, 1e6),
  });
}

export function parseGenesis(raw: unknown): GenesisParams {
  const g = obj(raw, '(root)');
  const addressPrefix = str(g, 'addressPrefix', '', /^[a-z]{1,16}$/, '1 to 16 lowercase letters');
  const pow = obj(g['pow'], 'pow');
  const rewards = obj(g['rewards'], 'rewards');
  const limits = obj(g['limits'], 'limits');
  const corpus = obj(g['corpus'], 'corpus');
  const training = obj(g['training'], 'training');
  let model;
  try {
    model = parseModelSpec(g['model']);
  } catch (err) {
    if (err instanceof ModelSpecError) throw new GenesisError(`model.${err.field}`, err.problem);
    throw err;
  }
  const modelRaw = obj(g['model'], 'model');
  const powLimitHex = str(pow, 'powLimit', 'pow.', /^[0-9a-f]{64}$/, '64 lowercase hex digits');
  const source = str(corpus, 'source', 'corpus.', /^(brown|folder)$/, '"brown" or "folder"') as 'brown' | 'folder';
  const path = source === 'folder' ? str(corpus, 'path', 'corpus.') : null;
  const allocationsRaw = g['allocations'];
  if (!Array.isArray(allocationsRaw)) throw new GenesisError('allocations', 'must be an array');
  const allocations: Allocation[] = allocationsRaw.map((a, i) => {
    const at = `allocations[${i}].`;
    const entry = obj(a, at.slice(0, -1));
    const text = str(entry, 'address', at);
    let address: Uint8Array;
    try {
      address = decodeAddress(addressPrefix, text);
    } catch (err) {
      throw new GenesisError(`${at}address`, err instanceof AddressError ? err.message : String(err));
    }
    return Object.freeze({ address, amount: big(entry, 'amount', at, 2n ** 63n - 1n) });
  });
  const minerShareBps = int(rewards, 'minerShareBps', 'rewards.', 0, 10_000);
  return Object.freeze({
    network: str(g, 'network', '', /^[a-z0-9-]{1,32}$/, '1 to 32 of a-z, 0-9 and -'),
    addressPrefix,
    genesisTimestamp: int(g, 'timestamp', '', 0, 2 ** 40),
    genesisMessage: str(g, 'message', '', /^.{0,200}$/, 'at most 200 characters'),
    pow: Object.freeze({
      blockTimeSeconds: int(pow, 'blockTimeSeconds', 'pow.', 1, 86_400),
      asertHalfLifeSeconds: int(pow, 'asertHalfLifeSeconds', 'pow.', 1, 10_000_000),
      powLimit: BigInt(`0x${powLimitHex}`),
      genesisBits: int(pow, 'genesisBits', 'pow.', 1, 0xffffffff),
      maxFutureSeconds: int(pow, 'maxFutureSeconds', 'pow.', 1, 86_400),
    }),
    rewards: Object.freeze({
      initialSubsidy: big(rewards, 'initialSubsidy', 'rewards.', 2n ** 62n),
      halvingInterval: int(rewards, 'halvingInterval', 'rewards.', 1, 2 ** 31),
      minerShareBps,
      // Optional, so that genesis files made before the rule keep their chain id.
      ...(rewards['maturity'] === undefined ? {} : { maturity: int(rewards, 'maturity', 'rewards.', 0, 10_000) }),
    }),
    limits: Object.freeze({
      maxBlockBytes: int(limits, 'maxBlockBytes', 'limits.', 1024, 32 * 1024 * 1024),
      maxTransfers: int(limits, 'maxTransfers', 'limits.', 0, 100_000),
    }),
    model,
    modelInitSeed: str(modelRaw, 'initSeed', 'model.'),
    corpus: Object.freeze({
      source,
      path,
      pageSize: int(corpus, 'pageSize', 'corpus.', 256, 1 << 20),
      contentHash: str(corpus, 'contentHash', 'corpus.', /^[0-9a-f]{64}$/, '64 lowercase hex digits'),
    }),
    gauntlet: parseGauntlet(obj(g['gauntlet'], 'gauntlet')),
    training: Object.freeze({
      innerSteps: int(training, 'innerSteps', 'training.', 1, 100_000),
      learningRate: num(training, 'learningRate', 'training.', 0, 1),
      batchSize: int(training, 'batchSize', 'training.', 1, 4096),
      weightDecay: num(training, 'weightDecay', 'training.', 0, 1),
      ...(training['judgedBatchShare'] === undefined ? {} : { judgedBatchShare: num(training, 'judgedBatchShare', 'training.', 0, 0.5) }),
    }),
    allocations: Object.freeze(allocations),
  });
}
