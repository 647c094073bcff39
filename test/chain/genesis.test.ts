import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_GENESIS_PATH, loadGenesis, makeGenesis } from '../../chain/genesis.ts';
import { GenesisError, parseGenesis } from '../../chain/genesis-json.ts';
import { encodeAddress } from '../../chain/address.ts';
import { toHex } from '../../consensus/hash.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { computeStateRoot } from '../../consensus/state-transition.ts';
import { headerHash } from '../../chain/header.ts';
import { testKeys } from '../util/fixtures.ts';

async function defaultJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(DEFAULT_GENESIS_PATH, 'utf8')) as Record<string, unknown>;
}

function namesField(fn: () => unknown, field: string): void {
  assert.throws(fn, (e: unknown) => e instanceof GenesisError && e.field === field, `expected an error naming ${field}`);
}

test('the default genesis loads and is deterministic; its hash is the chain id', async () => {
  const a = await loadGenesis();
  const b = await loadGenesis();
  assert.deepEqual(a.hash, b.hash);
  assert.deepEqual(a.params.chainId, a.hash);
  assert.deepEqual(headerHash(a.block.header), a.hash);
  assert.equal(a.block.header.height, 0);
  assert.equal(a.params.addressPrefix, 'gct');
  assert.equal(a.params.model.width, 64);
});

test('allocations become the first accounts and the state root commits to them', async () => {
  const json = await defaultJson();
  const [k1, k2] = testKeys(2) as [ReturnType<typeof testKeys>[number], ReturnType<typeof testKeys>[number]];
  json['allocations'] = [
    { address: encodeAddress('gct', k1.address), amount: '1500000000' },
    { address: encodeAddress('gct', k2.address), amount: '1' },
  ];
  const g = makeGenesis(parseGenesis(json));
  assert.equal(g.accounts.get(toHexKey(k1.address))!.balance, 1_500_000_000n);
  assert.equal(g.accounts.get(toHexKey(k2.address))!.balance, 1n);
  assert.deepEqual(g.block.header.stateRoot, computeStateRoot(g.accounts));
  const plain = makeGenesis(parseGenesis(await defaultJson()));
  assert.notEqual(toHex(plain.hash), toHex(g.hash));
});

test('a bad field is named with its path and the reason', async () => {
  const base = await defaultJson();
  const edit = (path: string[], value: unknown): unknown => {
    const copy = structuredClone(base);
    let o = copy as Record<string, unknown>;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    o[path.at(-1)!] = value;
    return copy;
  };
  namesField(() => parseGenesis(edit(['pow', 'blockTimeSeconds'], 0)), 'pow.blockTimeSeconds');
  namesField(() => parseGenesis(edit(['pow', 'powLimit'], 'xyz')), 'pow.powLimit');
  namesField(() => parseGenesis(edit(['rewards', 'initialSubsidy'], 5)), 'rewards.initialSubsidy');
  namesField(() => parseGenesis(edit(['gauntlet', 'topK'], 0)), 'gauntlet.topK');
  // The norm bound must be above 0 (a bound of 0 would shut every contribution out).
  namesField(() => parseGenesis(edit(['gauntlet', 'maxDeltaNorm'], 0)), 'gauntlet.maxDeltaNorm');
  namesField(() => parseGenesis(edit(['gauntlet', 'maxDeltaNorm'], undefined)), 'gauntlet.maxDeltaNorm');
  assert.equal(parseGenesis(edit(['gauntlet', 'maxDeltaNorm'], Number.MIN_VALUE)).gauntlet.maxDeltaNorm, Number.MIN_VALUE);
  namesField(() => parseGenesis(edit(['model', 'heads'], 5)), 'model.heads');
  namesField(() => parseGenesis(edit(['corpus', 'source'], 'web')), 'corpus.source');
  namesField(() => parseGenesis(edit(['addressPrefix'], 'GC')), 'addressPrefix');
  namesField(() => parseGenesis(edit(['allocations'], [{ address: 'gct1notanaddress', amount: '1' }])), 'allocations[0].address');
  namesField(() => parseGenesis(edit(['training'], null)), 'training');
  const dup = encodeAddress('gct', testKeys(1)[0]!.address);
  namesField(() => makeGenesis(parseGenesis(edit(['allocations'], [{ address: dup, amount: '1' }, { address: dup, amount: '2' }]))), 'allocations[1].address');
});

test('an unreadable or invalid file gives a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-genesis-'));
  await assert.rejects(loadGenesis(join(dir, 'missing.json')), /cannot read/);
  await writeFile(join(dir, 'bad.json'), '{ not json');
  await assert.rejects(loadGenesis(join(dir, 'bad.json')), /not valid JSON/);
});

test('the chain id commits to every parameter, the message and Gauntlet constants included', async () => {
  const base = await defaultJson();
  const id = (json: unknown): string => toHex(makeGenesis(parseGenesis(json)).hash);
  const original = id(base);
  assert.notEqual(id({ ...base, message: 'another network' }), original);
  assert.notEqual(id({ ...base, gauntlet: { ...(base['gauntlet'] as object), topK: 7 } }), original);
  assert.notEqual(id({ ...base, training: { ...(base['training'] as object), innerSteps: 21 } }), original);
  // Key order in the file does not matter.
  const reordered = Object.fromEntries(Object.entries(base).reverse());
  assert.equal(id(reordered), original);
});

test('training.judgedBatchShare is optional, between 0 and ½, and named when out of range', async () => {
  const json = await defaultJson();
  const training = json['training'] as Record<string, unknown>;
  const withShare = (share: unknown): unknown => ({ ...json, training: { ...training, judgedBatchShare: share } });
  const without = { ...json, training: Object.fromEntries(Object.entries(training).filter(([k]) => k !== 'judgedBatchShare')) };
  assert.equal(parseGenesis(without).training.judgedBatchShare, undefined);
  assert.equal(parseGenesis(withShare(0)).training.judgedBatchShare, 0);
  assert.equal(parseGenesis(withShare(0.5)).training.judgedBatchShare, 0.5);
  namesField(() => parseGenesis(withShare(0.51)), 'training.judgedBatchShare');
  namesField(() => parseGenesis(withShare(-0.1)), 'training.judgedBatchShare');
});

for (const field of ['aggregationTolerance', 'minOwnGain'] as const) {
  test(`gauntlet.${field} is optional (absent keeps the chain id), between 0 and 1, and named when out of range`, async () => {
    const json = await defaultJson();
    const gauntlet = json['gauntlet'] as Record<string, unknown>;
    const withValue = (value: unknown): unknown => ({ ...json, gauntlet: { ...gauntlet, [field]: value } });
    const without = { ...json, gauntlet: Object.fromEntries(Object.entries(gauntlet).filter(([k]) => k !== field)) };
    assert.equal(parseGenesis(without).gauntlet[field], undefined);
    assert.equal(parseGenesis(withValue(0)).gauntlet[field], 0);
    assert.equal(parseGenesis(withValue(1)).gauntlet[field], 1);
    assert.notEqual(makeGenesis(parseGenesis(withValue(0.002))).hash.join(), makeGenesis(parseGenesis(without)).hash.join());
    namesField(() => parseGenesis(withValue(1.01)), `gauntlet.${field}`);
    namesField(() => parseGenesis(withValue(-0.001)), `gauntlet.${field}`);
  });
}
