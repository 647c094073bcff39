import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import fc from 'fast-check';
import { Level } from 'level';
import type { Header } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { DecodeError } from '../../chain/errors.ts';
import { ChainDB } from '../../chain/db/chaindb.ts';
import { ChainDBError } from '../../chain/db/errors.ts';
import { decodeEntry, encodeEntry, ENTRY_FLAGS, makeEntry, withStatus } from '../../chain/db/entry.ts';
import { layout } from '../../chain/db/layout.ts';
import {
  DB_VERSION,
  decodeAccount,
  decodeInvalid,
  decodeRating,
  decodeUndo,
  decodeVersion,
  encodeAccount,
  encodeInvalid,
  encodeRating,
  encodeUndo,
  encodeVersion,
  type BlockUndo,
} from '../../chain/db/records.ts';
import { EMPTY_MODEL_UNDO } from '../../chain/model-undo.ts';
import { verifyChainDB, type Invariant } from '../../chain/db/verify.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';
import { testGenesis } from '../util/fixtures.ts';

const root = tempDir('chaindb');
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, String(dirs++));

// ---- records: golden bytes and decoders that never crash ----------------------------------------

const HEADER: Header = Object.freeze({
  version: 1,
  height: 2,
  parentHash: new Uint8Array(32).fill(0x11),
  timestamp: 1_800_000_040,
  bits: 0x207fffff,
  nonce: 5n,
  minerAddress: new Uint8Array(20).fill(0x22),
  txRoot: new Uint8Array(32).fill(0x33),
  contributionsRoot: new Uint8Array(32).fill(0x44),
  reportRoot: new Uint8Array(32).fill(0x55),
  stateRoot: new Uint8Array(32).fill(0x66),
  modelHash: new Uint8Array(32).fill(0x77),
});

test('keys: one prefix byte, then fixed-width binary (heights big-endian)', () => {
  assert.equal(toHex(layout.V), '56');
  assert.equal(toHex(layout.R), '52');
  assert.equal(toHex(layout.G), '47');
  assert.equal(toHex(layout.h(258)), '6800000102');
  assert.equal(toHex(layout.e(new Uint8Array(32).fill(1))), `65${'01'.repeat(32)}`);
  assert.equal(toHex(layout.a(new Uint8Array(20).fill(2))), `61${'02'.repeat(20)}`);
  assert.equal(toHex(layout.r(new Uint8Array(20).fill(3))), `72${'03'.repeat(20)}`);
  assert.equal(toHex(layout.M), '4d');
  assert.throws(() => layout.b(new Uint8Array(31)), RangeError);
  assert.throws(() => layout.h(-1), RangeError);
});

test('records: golden encodings', () => {
  const entry = makeEntry(new Uint8Array(32).fill(9), HEADER, 0x0102_0304n, ENTRY_FLAGS.VALID | ENTRY_FLAGS.HAS_BLOCK, 7);
  const bytes = encodeEntry(entry);
  // fixarray(4), bin8(240) header, bin8(4) chainwork, status 5, sequence 7.
  assert.equal(bytes.length, 1 + 2 + 240 + 2 + 4 + 1 + 1);
  assert.equal(toHex(bytes.subarray(0, 3)), '94c4f0');
  assert.equal(toHex(bytes.subarray(243)), 'c404010203040507');
  assert.deepEqual(decodeEntry(entry.hash, bytes), entry);
  assert.equal(toHex(encodeAccount({ balance: 10n, nonce: 1n })), '92d3000000000000000ad30000000000000001');
  assert.equal(toHex(encodeVersion()), '92b4' + toHex(new TextEncoder().encode('gradientcoin-chaindb')) + '03');
  // A rating: its three floats as raw float64 bits (−0 stays −0), then two counters.
  const rating = { mu: 25, sigma: 25 / 3, binaryMA: -0, contributions: 300, rewards: 5n };
  assert.equal(toHex(encodeRating(rating)), '93c41840390000000000004020aaaaaaaaaaab8000000000000000cd012cd30000000000000005');
  assert.ok(Object.is(decodeRating(encodeRating(rating)).binaryMA, -0));
  const undo: BlockUndo = {
    accounts: new Map([
      ['bb'.repeat(20), { balance: 0n, nonce: 0n }],
      ['aa'.repeat(20), { balance: 3n, nonce: 2n }],
    ]),
    ratings: new Map([
      ['dd'.repeat(20), { mu: 25, sigma: 25 / 3, binaryMA: 0.05, contributions: 1, rewards: 7n }],
      ['cc'.repeat(20), null],
    ]),
    model: { indices: Uint32Array.of(3, 258), values: Float32Array.of(1.5, -0) },
  };
  const undoBytes = encodeUndo(undo);
  // [accounts, ratings (null: created by the block), model pairs (index u32 LE, previous f32 LE)],
  // the lists sorted by address whatever the maps' order.
  assert.equal(
    toHex(undoBytes),
    '93' +
      `9293c414${'aa'.repeat(20)}d30000000000000003d3000000000000000293c414${'bb'.repeat(20)}d30000000000000000d30000000000000000` +
      `9292c414${'cc'.repeat(20)}c092c414${'dd'.repeat(20)}93c41840390000000000004020aaaaaaaaaaab3fa999999999999a01d30000000000000007` +
      'c410' + '030000000000c03f' + '0201000000000080',
  );
  const decoded = decodeUndo(undoBytes);
  assert.deepEqual(decoded.accounts, new Map([...undo.accounts].reverse()));
  assert.deepEqual(decoded.ratings, new Map([...undo.ratings].reverse()));
  assert.deepEqual([...decoded.model.indices], [3, 258]);
  assert.deepEqual(new Uint8Array(decoded.model.values.buffer), new Uint8Array(undo.model.values.buffer));
  assert.deepEqual(decodeInvalid(encodeInvalid({ code: 'bad-tx-nonce', reason: 'why' })), { code: 'bad-tx-nonce', reason: 'why' });
  assert.equal(decodeVersion(encodeVersion(3)), 3);
});

test('records: decoders throw DecodeError on any input, never something else', () => {
  const decoders = [
    (b: Uint8Array) => decodeEntry(new Uint8Array(32), b),
    decodeAccount,
    decodeUndo,
    decodeInvalid,
    decodeVersion,
    decodeRating,
  ];
  const valid = [
    encodeEntry(makeEntry(new Uint8Array(32), HEADER, 5n, 4, 1)),
    encodeAccount({ balance: 1n, nonce: 2n }),
    encodeUndo({
      accounts: new Map([['aa'.repeat(20), { balance: 1n, nonce: 0n }]]),
      ratings: new Map([['bb'.repeat(20), { mu: 26, sigma: 8, binaryMA: 0.05, contributions: 2, rewards: 9n }]]),
      model: { indices: Uint32Array.of(1, 7), values: Float32Array.of(0.5, 2) },
    }),
    encodeInvalid({ code: 'bad-txroot', reason: 'x' }),
    encodeVersion(),
    encodeRating({ mu: 26, sigma: 8, binaryMA: 0.05, contributions: 2, rewards: 9n }),
  ];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(5), fc.nat(), fc.integer({ min: 0, max: 255 }), (random, which, at, byte) => {
      const decode = decoders[which]!;
      const mutated = valid[which]!.slice();
      mutated[at % mutated.length] = byte;
      for (const input of [random, mutated, mutated.subarray(0, at % mutated.length)]) {
        try {
          decode(input);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      }
    }),
    { numRuns: 400 },
  );
  // Two specific refusals: unknown status flags, and chainwork with a leading zero byte.
  const entry = encodeEntry(makeEntry(new Uint8Array(32), HEADER, 5n, 4, 1));
  const flagged = entry.slice();
  flagged[flagged.length - 2] = 0x08;
  assert.throws(() => decodeEntry(new Uint8Array(32), flagged), /unknown flags/);
});

// ---- invariants ------------------------------------------------------------------------------

/** A datadir with a main chain carrying transfers, a side branch and an invalid block. */
let template = '';
const names: Record<string, Uint8Array> = {};

before(async () => {
  const tree = new BlockTree();
  template = freshDir();
  const chain = await openTestChain(tree, template);
  const a1 = tree.extend(tree.genesis.hash, { txs: [tree.pay(0, 1, 1000n, 3n, 0n)] });
  const [a2, a3] = tree.branch(hashOf(a1), 2, { txs: [] });
  const b2 = tree.extend(hashOf(a1), { miner: tree.keys[5]!.address });
  const bad = tree.forge(hashOf(a3!), [tree.pay(2, 1, 1n, 0n, 9n)]);
  for (const block of [a1, a2!, a3!, b2]) await chain.addBlock(block);
  await assert.rejects(chain.addBlock(bad), (err) => isVerifyError(err, 'bad-tx-nonce'));
  Object.assign(names, { a1: hashOf(a1), a2: hashOf(a2!), a3: hashOf(a3!), b2: hashOf(b2), bad: hashOf(bad) });
  names['miner'] = tree.keys[7]!.address;
  await chain.close();
});

/** Copies the template, applies raw writes outside the chain's rules, and returns the violations. */
async function violationsAfter(corrupt: (db: Level<Uint8Array, Uint8Array>) => Promise<void>): Promise<Set<Invariant>> {
  const location = freshDir();
  cpSync(template, location, { recursive: true });
  const raw = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await raw.open();
  await corrupt(raw);
  await raw.close();
  const db = await ChainDB.open(location);
  try {
    return new Set((await verifyChainDB(db)).map((v) => v.invariant));
  } finally {
    await db.close();
  }
}

async function readEntry(raw: Level<Uint8Array, Uint8Array>, hash: Uint8Array) {
  const bytes = await raw.get(layout.e(hash));
  return decodeEntry(hash, new Uint8Array(bytes!));
}

test('invariants hold on a datadir built by the chain', async () => {
  assert.deepEqual(await violationsAfter(async () => {}), new Set());
});

test('invariant version: the network record G', async () => {
  assert.ok((await violationsAfter((raw) => raw.del(layout.G))).has('version'));
});

test('invariant tip: R names a valid stored block', async () => {
  assert.ok((await violationsAfter((raw) => raw.put(layout.R, names['b2']!))).has('tip'));
  assert.ok((await violationsAfter((raw) => raw.put(layout.R, new Uint8Array(32)))).has('tip'));
});

test('invariant height-index: h is exactly the tip ancestry', async () => {
  assert.ok((await violationsAfter((raw) => raw.del(layout.h(2)))).has('height-index'));
  assert.ok((await violationsAfter((raw) => raw.put(layout.h(2), names['b2']!))).has('height-index'));
  assert.ok((await violationsAfter((raw) => raw.put(layout.h(9), names['a3']!))).has('height-index'));
});

test('invariant tree: parents stored, heights and chainwork add up', async () => {
  const found = await violationsAfter(async (raw) => {
    const entry = await readEntry(raw, names['b2']!);
    await raw.put(layout.e(entry.hash), encodeEntry(makeEntry(entry.hash, entry.header, entry.chainwork + 1n, entry.status, entry.sequence)));
  });
  assert.ok(found.has('tree'));
  assert.ok((await violationsAfter((raw) => raw.del(layout.e(names['a1']!)))).has('tree'));
});

test('invariant block-body: HAS_BLOCK means the body is stored', async () => {
  assert.ok((await violationsAfter((raw) => raw.del(layout.b(names['b2']!)))).has('block-body'));
});

test('invariant undo: exactly the main-chain blocks have undo data', async () => {
  assert.ok((await violationsAfter((raw) => raw.del(layout.u(names['a2']!)))).has('undo'));
  const empty: BlockUndo = { accounts: new Map(), ratings: new Map(), model: EMPTY_MODEL_UNDO };
  assert.ok((await violationsAfter((raw) => raw.put(layout.u(names['b2']!), encodeUndo(empty)))).has('undo'));
});

test('invariant invalid: markers and INVALID flags agree, and spread to descendants', async () => {
  assert.ok((await violationsAfter((raw) => raw.del(layout.i(names['bad']!)))).has('invalid'));
  const found = await violationsAfter(async (raw) => {
    const entry = await readEntry(raw, names['a1']!);
    await raw.put(layout.e(entry.hash), encodeEntry(withStatus(entry, ENTRY_FLAGS.INVALID)));
    await raw.put(layout.i(entry.hash), encodeInvalid({ code: 'bad-txroot', reason: 'test' }));
  });
  assert.ok(found.has('invalid'));
});

test('invariant main-valid: main-chain entries are VALID', async () => {
  const found = await violationsAfter(async (raw) => {
    const entry = await readEntry(raw, names['a2']!);
    await raw.put(layout.e(entry.hash), encodeEntry(withStatus(entry, 0, ENTRY_FLAGS.VALID)));
  });
  assert.ok(found.has('main-valid'));
});

test('invariant accounts: the stored accounts hash to the tip state root, none empty', async () => {
  const miner = layout.a(names['miner']!);
  const found = await violationsAfter(async (raw) => {
    const account = decodeAccount(new Uint8Array((await raw.get(miner))!));
    await raw.put(miner, encodeAccount({ balance: account.balance + 1n, nonce: account.nonce }));
  });
  assert.ok(found.has('accounts'));
  assert.ok((await violationsAfter((raw) => raw.put(layout.a(new Uint8Array(20).fill(0xee)), encodeAccount({ balance: 0n, nonce: 0n })))).has('accounts'));
});

test('invariant state-buckets: the stored bucket roots are those of the stored state', async () => {
  const minerBucket = (names['miner']![0]! << 8) | names['miner']![1]!;
  assert.ok((await violationsAfter((raw) => raw.del(layout.S(0, minerBucket)))).has('state-buckets'));
  assert.ok((await violationsAfter((raw) => raw.put(layout.S(0, minerBucket), new Uint8Array(32)))).has('state-buckets'));
  assert.ok((await violationsAfter((raw) => raw.put(layout.S(1, 7), new Uint8Array(32).fill(1)))).has('state-buckets'));
});

test('a stored bucket root that does not give the tip state root stops the open with a clear error', async () => {
  const location = freshDir();
  cpSync(template, location, { recursive: true });
  const raw = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await raw.open();
  await raw.put(layout.S(1, 7), new Uint8Array(32).fill(1));
  await raw.close();
  await assert.rejects(openTestChain(new BlockTree(), location), (err) => err instanceof ChainDBError && err.code === 'corrupt' && /state buckets give root/.test(err.message));
});

// ---- opening: version, network, exclusive use --------------------------------------------------

test('a datadir of another ChainDB version, or not a ChainDB at all, is refused with a clear error', async () => {
  const location = freshDir();
  cpSync(template, location, { recursive: true });
  const raw = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
  await raw.put(layout.V, encodeVersion(DB_VERSION + 1));
  await raw.close();
  await assert.rejects(
    ChainDB.open(location),
    (err) => err instanceof ChainDBError && err.code === 'version-mismatch' && err.message.includes(`version ${DB_VERSION + 1}`),
  );
  const other = freshDir();
  const foreign = new Level<string, string>(other);
  await foreign.put('hello', 'world');
  await foreign.close();
  await assert.rejects(ChainDB.open(other), (err) => err instanceof ChainDBError && err.code === 'version-mismatch');
});

test('a datadir of another network is refused', async () => {
  const location = freshDir();
  cpSync(template, location, { recursive: true });
  const other = testGenesis({ genesisTimestamp: 1_800_000_001 });
  const tree = new BlockTree(other);
  await assert.rejects(openTestChain(tree, location), (err) => err instanceof ChainDBError && err.code === 'wrong-network');
});

test('a second process opening the datadir gets "in use by another process (pid N)"', async () => {
  const location = freshDir();
  cpSync(template, location, { recursive: true });
  const url = new URL('../../chain/db/chaindb.ts', import.meta.url).href;
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { ChainDB } = await import(${JSON.stringify(url)});
       await ChainDB.open(process.argv[1]);
       process.stdout.write('ready\\n');
       setInterval(() => {}, 1000);`,
      location,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const lines = createInterface({ input: holder.stdout });
    const [line] = (await once(lines, 'line')) as [string];
    assert.equal(line, 'ready');
    await assert.rejects(ChainDB.open(location), (err) => {
      assert.ok(err instanceof ChainDBError);
      assert.equal(err.code, 'in-use');
      assert.equal(err.reason, `datadir ${location} is in use by another process (pid ${holder.pid})`);
      return true;
    });
  } finally {
    holder.kill('SIGKILL');
    await once(holder, 'exit');
  }
  // The OS released the lock with the process; the stale PID file does not matter.
  const db = await ChainDB.open(location);
  assert.equal(toHex((await db.getGenesisHash())!), toHex(testGenesis().hash));
  await db.close();
});

test('a closed ChainDB refuses use', async () => {
  const db = await ChainDB.open(freshDir());
  assert.equal(db.fresh, true);
  await db.close();
  await assert.rejects(db.getTipHash(), (err) => err instanceof ChainDBError && err.code === 'closed');
});
