/**
 * `gradientcoin genesis`: the derived file is what the options say, validates with the nodes' own
 * parser, and its printed chain id is the one a node computes when it loads the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey } from '../../chain/address.ts';
import { loadGenesis } from '../../chain/genesis.ts';
import { GenesisError } from '../../chain/genesis-json.ts';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { toHex } from '../../consensus/hash.ts';
import { loadTextFolderCorpus } from '../../trainer/io/corpus-loader.ts';
import { corpusContentHash } from '../../trainer/corpus.ts';
import { buildGenesis, deriveGenesisJson, genesisText, withBlockTime, type GenesisJson } from '../../src/testnet/genesis-builder.ts';
import { gradientcoin } from './cli.ts';

/** A fixed template (the repository's genesis.json may change; these vectors must not). */
function template(): GenesisJson {
  return {
    network: 'golden-template',
    addressPrefix: 'gct',
    timestamp: 1795305600,
    message: 'template',
    pow: { blockTimeSeconds: 20, asertHalfLifeSeconds: 600, powLimit: `7fffff${'0'.repeat(58)}`, genesisBits: 505413632, maxFutureSeconds: 120 },
    rewards: { initialSubsidy: '5000000000', halvingInterval: 210000, minerShareBps: 2000 },
    limits: { maxBlockBytes: 8388608, maxTransfers: 10000 },
    model: { vocabSize: 256, contextLength: 64, layers: 2, width: 64, heads: 4, tiedEmbeddings: true, initSeed: 'golden-model' },
    corpus: { source: 'brown', pageSize: 4096, contentHash: '4bc96a1fc96a7e1482bc62349e614d444a66bdfc273b16e09961dcd1c5b22eea' },
    gauntlet: {
      topK: 8, alpha: 0.05, weightPower: 2, evalStepSize: 1, outerStepSize: 1, maxDeltaNorm: 4, pagesPerContributor: 2, randomEvalPages: 2,
      windowsPerPage: 8, maxContributions: 32, maxPayloadBytes: 65536, codecChunkSize: 1024, codecTopK: 16, collectionWindowSeconds: 10,
      stampBits: 16, maturityGames: 3, normaliserDecay: 0.02, normaliserFloor: 1,
    },
    training: { innerSteps: 20, learningRate: 0.003, batchSize: 8, weightDecay: 0.1 },
    allocations: [],
  };
}

const ALICE = addressFromPublicKey('gct', keyPairFromSecret(new Uint8Array(32).fill(7)).publicKey);
const ALICE_GCP = addressFromPublicKey('gcp', keyPairFromSecret(new Uint8Array(32).fill(7)).publicKey);

test('a new block time keeps the work per second: 20 s → 2 s makes the start ten times easier', () => {
  const json = withBlockTime(template(), 2);
  const pow = json['pow'] as Record<string, unknown>;
  const gauntlet = json['gauntlet'] as Record<string, unknown>;
  assert.equal(pow['blockTimeSeconds'], 2);
  // 0x1e200000 (target 0x200000·256^27) × 10 = 0x1400000·256^27 = 0x1f014000 in canonical bits.
  assert.equal(pow['genesisBits'], 0x1f014000);
  assert.equal(gauntlet['collectionWindowSeconds'], 1, 'the contribution window is capped at half the block time');
  // Slower than the template: harder, and the window is left alone.
  const slow = withBlockTime(template(), 40);
  assert.equal((slow['pow'] as Record<string, unknown>)['genesisBits'], 0x1e100000);
  assert.equal((slow['gauntlet'] as Record<string, unknown>)['collectionWindowSeconds'], 10);
  // Never easier than the proof-of-work limit.
  assert.equal((withBlockTime(template(), 1)['pow'] as Record<string, unknown>)['genesisBits'], 0x1f028000);
  assert.throws(() => withBlockTime(template(), 0), GenesisError);
});

test('derived genesis: golden chain ids, untouched fields kept, the template not modified', () => {
  const base = template();
  assert.equal(buildGenesis(base).chainId, buildGenesis(template()).chainId);
  const derived = deriveGenesisJson(base, {
    network: 'golden-net',
    addressPrefix: 'gcp',
    timestamp: 1_800_000_000,
    message: 'golden',
    model: { layers: 1, width: 32, heads: 2, contextLength: 32 },
    allocations: [{ address: ALICE_GCP, amount: 1_250_000_000n }],
  });
  assert.deepEqual(base, template(), 'the template is not modified');
  assert.equal((derived['model'] as Record<string, unknown>)['initSeed'], 'golden-model');
  assert.deepEqual(derived['allocations'], [{ address: ALICE_GCP, amount: '1250000000' }]);
  const built = buildGenesis(derived);
  assert.equal(built.genesis.params.model.width, 32);
  assert.equal(built.genesis.accounts.size, 1);
  assert.equal(built.chainId, toHex(built.genesis.hash));
  assert.notEqual(built.chainId, buildGenesis(base).chainId);
  // The text round-trips to the same network.
  assert.equal(buildGenesis(JSON.parse(genesisText(derived)) as GenesisJson).chainId, built.chainId);
});

test('a derived genesis that breaks a rule is refused, naming the field', () => {
  assert.throws(() => buildGenesis(deriveGenesisJson(template(), { model: { width: 30, heads: 4 } })), (err: unknown) => {
    assert.ok(err instanceof GenesisError);
    assert.equal(err.field, 'model.heads');
    return true;
  });
  assert.throws(() => buildGenesis(deriveGenesisJson(template(), { addressPrefix: 'GCT' })), /addressPrefix/);
  // An allocation written with another network's prefix.
  assert.throws(() => buildGenesis(deriveGenesisJson(template(), { allocations: [{ address: ALICE_GCP, amount: 1n }] })), /allocations\[0\]\.address/);
});

test('the command writes a genesis whose chain id is what a node loads, and refuses to overwrite it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-genesis-'));
  try {
    const from = join(dir, 'template.json');
    await writeFile(from, genesisText(template()));
    const out = join(dir, 'new.json');
    const run = await gradientcoin([
      'genesis', '--from', from, '--out', out, '--network', 'my-private-net', '--block-time', '5',
      '--alloc', `${ALICE}=12.5`, '--alloc', `${ALICE}=1`, '--timestamp', '1800000000', '--message', 'hello',
      '--model-layers', '1', '--model-width', '32', '--model-heads', '2', '--context', '32',
    ]);
    // The same address twice is refused by the genesis rules.
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^error: genesis: allocations\[1\]\.address: address is allocated twice\n$/);

    const ok = await gradientcoin([
      'genesis', '--from', from, '--out', out, '--network', 'my-private-net', '--block-time', '5',
      '--alloc', `${ALICE}=12.5`, '--timestamp', '1800000000', '--message', 'hello',
      '--model-layers', '1', '--model-width', '32', '--model-heads', '2', '--context', '32',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const genesis = await loadGenesis(out);
    assert.equal(ok.stdout, `${toHex(genesis.hash)}\n`);
    assert.match(ok.stderr, /network "my-private-net" written to .*block time 5 s, model 1x32 \(2 heads, context 32\), 1 allocation \(12\.50000000 GC\)/);
    const { params } = genesis;
    assert.equal(params.network, 'my-private-net');
    assert.equal(params.genesisTimestamp, 1_800_000_000);
    assert.equal(params.genesisMessage, 'hello');
    assert.equal(params.pow.blockTimeSeconds, 5);
    assert.equal(params.pow.genesisBits, 0x1f008000, "0x800000·256^27 needs a byte more: its top mantissa bit would be the sign");
    assert.equal(params.allocations[0]!.amount, 1_250_000_000n);

    const key = join(dir, 'swarm.key');
    const keyed = await gradientcoin(['genesis', '--from', from, '--out', join(dir, 'keyed.json'), '--swarm-key', key]);
    assert.equal(keyed.code, 0, keyed.stderr);
    assert.match(await readFile(key, 'utf8'), /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/);
    assert.equal((await stat(key)).mode & 0o777, 0o600);
    assert.match(keyed.stderr, /swarm key written to .*swarm\.key \(mode 0600\)/);

    const again = await gradientcoin(['genesis', '--from', from, '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; pass --force/);
    assert.equal(await readFile(out, 'utf8'), genesisText(JSON.parse(await readFile(out, 'utf8')) as GenesisJson), 'the file is untouched');

    const badAlloc = await gradientcoin(['genesis', '--from', from, '--out', join(dir, 'x.json'), '--prefix', 'gcp', '--alloc', `${ALICE}=1`]);
    assert.equal(badAlloc.code, 1);
    assert.match(badAlloc.stderr, /^error: genesis: allocations\[0\]\.address: .*\n$/, 'an address of another prefix names the allocation');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--corpus <folder> puts the folder text\'s content hash in the genesis; too little text is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gc-genesis-corpus-'));
  try {
    const from = join(dir, 'template.json');
    await writeFile(from, genesisText(template()));
    const texts = join(dir, 'texts');
    await mkdir(texts);
    await writeFile(join(texts, 'a.txt'), 'A short text.\n');
    const small = await gradientcoin(['genesis', '--from', from, '--out', join(dir, 'small.json'), '--corpus', texts]);
    assert.equal(small.code, 1);
    assert.match(small.stderr, /pages of 4096 bytes; at least 20 are needed/);

    const line = 'The quick brown fox jumps over the lazy dog while the chain trains its model. ';
    await writeFile(join(texts, 'b.txt'), line.repeat(1200));
    const out = join(dir, 'folder.json');
    const ok = await gradientcoin(['genesis', '--from', from, '--out', out, '--corpus', texts]);
    assert.equal(ok.code, 0, ok.stderr);
    const corpus = (JSON.parse(await readFile(out, 'utf8')) as GenesisJson)['corpus'] as Record<string, unknown>;
    assert.equal(corpus['source'], 'folder');
    assert.equal(corpus['path'], texts);
    assert.equal(corpus['contentHash'], corpusContentHash(await loadTextFolderCorpus(texts)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
