import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Block, Header } from '../../consensus/types.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { hashToBigInt } from '../../consensus/pow/target.ts';
import { workFromBits } from '../../consensus/pow/work.ts';
import { toHex } from '../../consensus/hash.ts';
import { headerHash } from '../../chain/header.ts';
import type { Chain } from '../../chain/chain.ts';
import { checkHeaderChain, parentContext, startAtEntry } from '../../src/p2p/header-chain.ts';
import { isP2PError } from '../../src/p2p/errors.ts';
import { solve } from '../util/fixtures.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';
import { TEST_NOW } from '../util/clock.ts';

const root = tempDir('header-chain');
const tree = new BlockTree();
let chain: Chain;
// The chain holds 12 blocks; the tree knows 30 more on top and a fork from block 6.
let stored: Block[];
let ahead: Block[];
let fork: Block[];

before(async () => {
  stored = tree.branch(tree.genesis.hash, 12);
  ahead = tree.branch(hashOf(stored[11]!), 30);
  fork = tree.branch(hashOf(stored[5]!), 10, { miner: tree.keys[1]!.address });
  chain = await openTestChain(tree, join(root, 'chain'));
  for (const block of stored) await chain.addBlock(block);
});
after(async () => {
  await chain.close();
  rmSync(root, { recursive: true, force: true });
});

const headersOf = (blocks: readonly Block[]): Header[] => blocks.map((b) => b.header);

/** The header with a nonce whose hash misses its own target. */
function failingPow(header: Header): Header {
  const target = bitsToTarget(header.bits);
  for (let nonce = 0n; ; nonce++) {
    const candidate = { ...header, nonce };
    if (hashToBigInt(headerHash(candidate)) > target) return candidate;
  }
}

test('a valid run after the tip: all fresh, work adds up, the end continues the run', () => {
  const result = checkHeaderChain(chain, headersOf(ahead), TEST_NOW);
  assert.equal(result.error, undefined);
  assert.equal(result.fresh.length, 30);
  const perBlock = workFromBits(ahead[0]!.header.bits);
  assert.equal(result.fresh[0]!.chainwork, chain.tip().chainwork + perBlock);
  assert.equal(result.end.chainwork, chain.tip().chainwork + 30n * perBlock);
  assert.equal(toHex(result.end.context.hash), toHex(hashOf(ahead[29]!)));
  // Two runs, the second continuing from the first's end, check the same as one.
  const first = checkHeaderChain(chain, headersOf(ahead.slice(0, 13)), TEST_NOW);
  const second = checkHeaderChain(chain, headersOf(ahead.slice(13)), TEST_NOW, first.end);
  assert.deepEqual(
    [...first.fresh, ...second.fresh].map((h) => toHex(h.hash)),
    result.fresh.map((h) => toHex(h.hash)),
  );
  assert.equal(second.end.chainwork, result.end.chainwork);
});

test('headers we already have are checked but not fresh', () => {
  const result = checkHeaderChain(chain, headersOf([...stored.slice(8), ...ahead.slice(0, 3)]), TEST_NOW);
  assert.equal(result.error, undefined);
  assert.deepEqual(result.fresh.map((h) => h.header.height), [13, 14, 15]);
});

test('a fork from a block below the tip is checked against its own branch', () => {
  const result = checkHeaderChain(chain, headersOf(fork), TEST_NOW);
  assert.equal(result.error, undefined);
  assert.equal(result.fresh.length, 10);
  assert.equal(result.fresh[0]!.header.height, 7);
  // The context of a block is the same whether built from the chain or carried along a run.
  const ctx = parentContext(chain, chain.getEntryAtHeight(9)!);
  assert.deepEqual(ctx.recentTimestamps, [tree.genesis.block.header.timestamp, ...stored.slice(0, 9).map((b) => b.header.timestamp)]);
  assert.deepEqual(parentContext(chain, chain.tip()).recentTimestamps, stored.slice(1).map((b) => b.header.timestamp));
  assert.equal(ctx.anchorTimestamp, stored[0]!.header.timestamp);
  assert.equal(startAtEntry(chain, chain.genesis()).context.anchorTimestamp, null);
});

test('the first bad header stops the run: bad proof of work, wrong bits, broken link', () => {
  const run = headersOf(ahead.slice(0, 6));
  const badPow = [...run.slice(0, 3), failingPow(run[3]!), ...run.slice(4)];
  const pow = checkHeaderChain(chain, badPow, TEST_NOW);
  assert.equal(pow.error?.code, 'high-hash');
  assert.equal(pow.error?.score, 100);
  assert.deepEqual(pow.fresh.map((h) => h.header.height), [13, 14, 15]);
  // Harder bits than ASERT asks for: still proof of work, but not the network's difficulty.
  const wrongBits = [...run.slice(0, 2), solve({ ...run[2]!, bits: 0x1f7fffff, nonce: 0n })];
  assert.equal(checkHeaderChain(chain, wrongBits, TEST_NOW).error?.code, 'bad-diffbits');
  const gap = [run[0]!, run[2]!];
  assert.equal(checkHeaderChain(chain, gap, TEST_NOW).error?.code, 'bad-prevblk');
});

test('a header too far ahead of our clock stops the run without blame', () => {
  const result = checkHeaderChain(chain, headersOf(ahead.slice(0, 5)), ahead[2]!.header.timestamp - 121);
  assert.equal(result.error?.code, 'time-too-new');
  assert.equal(result.error?.score, 0);
  assert.equal(result.fresh.length, 2);
});

test('a run that attaches to nothing we have, or not where it should, is unrequested', () => {
  assert.throws(() => checkHeaderChain(chain, headersOf(ahead.slice(5, 8)), TEST_NOW), (e) => isP2PError(e, 'unrequested'));
  const first = checkHeaderChain(chain, headersOf(ahead.slice(0, 3)), TEST_NOW);
  assert.throws(() => checkHeaderChain(chain, headersOf(ahead.slice(4, 6)), TEST_NOW, first.end), (e) => isP2PError(e, 'unrequested'));
  const empty = checkHeaderChain(chain, [], TEST_NOW);
  assert.equal(empty.fresh.length, 0);
  assert.equal(empty.end.chainwork, chain.tip().chainwork);
});
