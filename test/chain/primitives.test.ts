import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, encode } from '../../chain/encoding.ts';
import { DecodeError } from '../../chain/errors.ts';
import { decodeTransfer, encodeTransfer, transferId, MAX_TRANSFER_BYTES } from '../../chain/tx.ts';
import { decodeBlock, encodeBlock } from '../../chain/block.ts';
import { decodeHeader, encodeHeader, HEADER_BYTES } from '../../chain/header.ts';
import { decodeContribution, encodeContribution, signContribution } from '../../chain/contribution.ts';
import { decodeAddress, encodeAddress, AddressError, addressFromPublicKey } from '../../chain/address.ts';
import { merkleRoot, merkleLeaf } from '../../consensus/merkle.ts';
import { toHex } from '../../consensus/hash.ts';
import type { Header, Transfer } from '../../consensus/types.ts';
import { buildBlock, genesisParent, testGenesis, testKeys, transfer } from '../util/fixtures.ts';

const g = testGenesis();
const params = g.params;
const [alice, bob] = testKeys(2) as [ReturnType<typeof testKeys>[number], ReturnType<typeof testKeys>[number]];

const bytes = (n: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: n, maxLength: n });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

const arbTransfer: fc.Arbitrary<Transfer> = fc.record({
  chainId: bytes(32),
  senderPublicKey: bytes(32),
  recipient: bytes(20),
  amount: u64,
  fee: u64,
  nonce: u64,
  signature: bytes(64),
});

const arbHeader: fc.Arbitrary<Header> = fc.record({
  version: fc.integer({ min: 0, max: 0xffffffff }),
  height: fc.integer({ min: 0, max: 0xffffffff }),
  parentHash: bytes(32),
  timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  bits: fc.integer({ min: 0, max: 0xffffffff }),
  nonce: u64,
  minerAddress: bytes(20),
  txRoot: bytes(32),
  contributionsRoot: bytes(32),
  reportRoot: bytes(32),
  stateRoot: bytes(32),
  modelHash: bytes(32),
});

/** Plain comparable form: byte fields as hex (property generators build objects of their own shape). */
function plain(value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v instanceof Uint8Array ? toHex(v) : v]));
}

/** Decoders may only ever throw DecodeError. */
function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
  }
}

test('transfers round-trip through the canonical encoding', () => {
  fc.assert(
    fc.property(arbTransfer, (tx) => {
      const enc = encodeTransfer(tx);
      assert.ok(enc.length <= MAX_TRANSFER_BYTES);
      assert.deepEqual(plain(decodeTransfer(enc)), plain(tx));
    }),
  );
});

test('headers round-trip through their fixed 240-byte layout', () => {
  fc.assert(
    fc.property(arbHeader, (h) => {
      const enc = encodeHeader(h);
      assert.equal(enc.length, HEADER_BYTES);
      assert.deepEqual(plain(decodeHeader(enc)), plain(h));
    }),
  );
});

test('blocks round-trip, transfers and contributions included', () => {
  const tx = transfer(params, alice, bob.address, 5n, 1n, 0n);
  const block = buildBlock(params, genesisParent(g), { miner: alice.address, txs: [tx] });
  const c = signContribution({ chainId: params.chainId, contributorPublicKey: bob.publicKey, parentHash: g.hash, payload: new Uint8Array(300).fill(3) }, bob.secretKey, params.gauntlet.stampBits);
  const full = { ...block, contributions: [c] };
  assert.deepEqual(decodeBlock(encodeBlock(full)), full);
  assert.deepEqual(decodeContribution(encodeContribution(c)), c);
});

test('random bytes never crash a decoder', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
      onlyDecodeErrors(() => decodeTransfer(data));
      onlyDecodeErrors(() => decodeBlock(data));
      onlyDecodeErrors(() => decodeHeader(data));
      onlyDecodeErrors(() => decodeContribution(data));
    }),
    { numRuns: 2000 },
  );
});

test('mutated and truncated valid encodings never crash a decoder', () => {
  const tx = transfer(params, alice, bob.address, 5n, 1n, 0n);
  const block = encodeBlock(buildBlock(params, genesisParent(g), { miner: alice.address, txs: [tx] }));
  fc.assert(
    fc.property(fc.nat(block.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(block.length), (at, value, cut) => {
      const mutated = new Uint8Array(block);
      mutated[at] = value;
      onlyDecodeErrors(() => decodeBlock(mutated));
      onlyDecodeErrors(() => decodeBlock(block.subarray(0, cut)));
    }),
    { numRuns: 1000 },
  );
});

test('decoders reject with a code: oversized before parsing, non-canonical, bad fields, trailing bytes', () => {
  const tx = transfer(params, alice, bob.address, 5n, 1n, 0n);
  const enc = encodeTransfer(tx);
  assert.throws(() => decodeTransfer(new Uint8Array(MAX_TRANSFER_BYTES + 1)), (e: unknown) => e instanceof DecodeError && e.code === 'oversized');
  const trailing = new Uint8Array([...enc, 0]);
  assert.throws(() => decodeTransfer(trailing), (e: unknown) => e instanceof DecodeError && (e.code === 'non-canonical' || e.code === 'malformed'));
  // A small amount written as a plain integer instead of the canonical int64 form.
  const [cid, spk, rcp, , fee, nonce, sig] = [tx.chainId, tx.senderPublicKey, tx.recipient, tx.amount, tx.fee, tx.nonce, tx.signature];
  const asNumber = encode([cid, spk, rcp, 5, fee, nonce, sig]);
  assert.throws(() => decodeTransfer(asNumber), (e: unknown) => e instanceof DecodeError && e.code === 'bad-field' && /amount/.test(e.reason));
  const shortKey = encode([cid, spk.slice(1), rcp, 5n, fee, nonce, sig]);
  assert.throws(() => decodeTransfer(shortKey), (e: unknown) => e instanceof DecodeError && e.code === 'bad-field' && /sender must be 32 bytes/.test(e.reason));
  // msgpack str8 for a one-char string is valid msgpack but not the shortest form.
  assert.throws(() => decode(new Uint8Array([0xd9, 1, 0x61]), 10, 'x'), (e: unknown) => e instanceof DecodeError && e.code === 'non-canonical');
  assert.throws(() => decode(new Uint8Array([0xdc]), 10, 'x'), (e: unknown) => e instanceof DecodeError && e.code === 'malformed');
});

test('addresses: bech32m round trip; checksum, prefix and length errors are named', () => {
  const text = encodeAddress('gct', alice.address);
  assert.match(text, /^gct1q/);
  assert.deepEqual(decodeAddress('gct', text), alice.address);
  assert.equal(addressFromPublicKey('gct', alice.publicKey), text);
  const typo = text.slice(0, -1) + (text.endsWith('q') ? 'p' : 'q');
  assert.throws(() => decodeAddress('gct', typo), (e: unknown) => e instanceof AddressError && /checksum/.test(e.message));
  assert.throws(() => decodeAddress('gc', text), (e: unknown) => e instanceof AddressError && /network "gct"/.test(e.message));
  fc.assert(fc.property(fc.string({ maxLength: 100 }), (s) => {
    try {
      decodeAddress('gct', s);
    } catch (err) {
      if (!(err instanceof AddressError)) throw err;
    }
  }));
});

const FIXED: Transfer = {
  chainId: new Uint8Array(32).fill(1),
  senderPublicKey: new Uint8Array(32).fill(2),
  recipient: new Uint8Array(20).fill(3),
  amount: 5n,
  fee: 1n,
  nonce: 0n,
  signature: new Uint8Array(64).fill(4),
};

test('golden: encodings, ids and roots are pinned', () => {
  assert.equal(toHex(encodeTransfer(FIXED)).slice(0, 24), '97c420010101010101010101');
  assert.equal(toHex(encodeTransfer(FIXED)).length, 2 * 184);
  assert.equal(toHex(transferId(FIXED)), GOLDEN.txid);
  assert.equal(toHex(merkleRoot([])), GOLDEN.emptyRoot);
  const leaves = [1, 2, 3].map((i) => merkleLeaf(new Uint8Array([i])));
  assert.equal(toHex(merkleRoot(leaves)), GOLDEN.root3);
  // No duplicate-last-leaf ambiguity (CVE-2012-2459): [a, b, c] and [a, b, c, c] differ.
  assert.notEqual(toHex(merkleRoot(leaves)), toHex(merkleRoot([...leaves, leaves[2]!])));
  assert.equal(encodeAddress('gct', FIXED.recipient), GOLDEN.address);
});

const GOLDEN = {
  txid: 'c2a16efd7659577c581aa5c4c06b3cb10697387a56820e0511cd1de745b95e9c',
  emptyRoot: 'e6a0b777298b3e22c8ff3efbdc0b3fe6088186c75f18df134b95e3a022fa0dd0',
  root3: '243be27c25e5c86bb81e54e83d849898a971ba1a9a07711ee75b0a4055092dc6',
  address: 'gct1qqvpsxqcrqvpsxqcrqvpsxqcrqvpsxqcr722r89',
};
