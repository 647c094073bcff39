import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { genesisAnchor, nextBits, nextTarget } from '../../consensus/pow/asert.ts';
import type { AsertParams } from '../../consensus/pow/asert.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';

/**
 * The official aserti3-2d test vectors (Bitcoin Cash Node's qa-assets, test_vectors/aserti3-2d),
 * a selection of rows from each run. Each row is [evaluation height, evaluation time, bits of the
 * next block]. Bitcoin Cash's parameters: 600 s blocks, a 172800 s half-life, limit 0x1d00ffff.
 * run10's heights straddle 2^63; heights here are numbers, so the run is shifted to anchor height
 * 1, which leaves every height difference, and so every result, unchanged.
 */
const RUNS: readonly { name: string; anchorHeight: number; anchorParentTime: number; anchorBits: number; rows: [number, number, number][] }[] = [
  {
    name: 'run1 - steady 600s blocks at POW limit target',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x1d00ffff,
    rows: [[2, 1200, 0x1d00ffff], [3, 1800, 0x1d00ffff], [11, 6600, 0x1d00ffff]],
  },
  {
    name: 'run3 - steady 600s blocks at minimum limit target 0x01010000',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x01010000,
    rows: [[2, 1200, 0x01010000], [11, 6600, 0x01010000]],
  },
  {
    name: 'run4 - from minimum target, a series of halflife schedule jumps, doubling target at each block',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x01010000,
    rows: [[2, 174000, 0x01020000], [3, 347400, 0x01040000], [4, 520800, 0x01080000], [5, 694200, 0x01100000], [6, 867600, 0x01200000], [7, 1041000, 0x01400000], [8, 1214400, 0x02008000], [9, 1387800, 0x02010000], [224, 38668800, 0x1d008000], [225, 38842200, 0x1d00ffff], [226, 39015600, 0x1d00ffff]],
  },
  {
    name: 'run5 - from POW limit, a series of halflife block height jumps w/o time increment, halving target at each block',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x1d00ffff,
    rows: [[2, 0, 0x1d00fec5], [290, 0, 0x1c7f62c0], [578, 0, 0x1c3fb160], [59906, 0, 0x0300fec5], [60194, 0, 0x027f6200], [62210, 0, 0x0200fe00], [62498, 0, 0x017f0000], [63938, 0, 0x01030000], [64226, 0, 0x01010000], [64514, 0, 0x01010000]],
  },
  {
    name: 'run6 - deterministically random solvetimes for stable hashrate around a recent real life nBits',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x1802aee8,
    rows: [[2, 1200, 0x1802aee8], [3, 1310, 0x1802ad91], [4, 1327, 0x1802abf8], [5, 1739, 0x1802ab73], [6, 2219, 0x1802ab20], [7, 2604, 0x1802aa89], [8, 2746, 0x1802a94b], [9, 7099, 0x1802b39c], [10, 7099, 0x1802b1f2], [11, 7657, 0x1802b1d4], [12, 8626, 0x1802b2db], [13, 8816, 0x1802b1b7]],
  },
  {
    name: 'run7 - deterministically random solvetimes for up-ramping hashrate around a recent real life nBits',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x1802aee8,
    rows: [[101, 20372, 0x18024899], [102, 20488, 0x18024775], [103, 20529, 0x18024626], [104, 20555, 0x180244cf], [105, 20606, 0x18024387], [106, 20643, 0x18024239], [997, 33347, 0x17474546], [998, 33353, 0x174719ac], [999, 33354, 0x1746ede7], [1000, 33360, 0x1746c2cd], [1001, 33365, 0x17469789]],
  },
  {
    name: 'run8 - deterministically random solvetimes for down-ramping hashrate around a recent real life nBits',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x1802aee8,
    rows: [[481, 6842136, 0x1d00a31a], [482, 6924554, 0x1d00e26d], [483, 6928915, 0x1d00e5dd], [484, 6930238, 0x1d00e688], [485, 6993399, 0x1d00ffff], [486, 7003150, 0x1d00ffff], [487, 7004914, 0x1d00ffff]],
  },
  {
    name: 'run9 - a sequence of 300s blocks across signed 32-bit max integer height',
    anchorHeight: 2147483642,
    anchorParentTime: 1234567290,
    anchorBits: 0x1802aee8,
    rows: [[2147483643, 1234568190, 0x1802ae16], [2147483644, 1234568490, 0x1802ad44], [2147483645, 1234568790, 0x1802ac71], [2147483646, 1234569090, 0x1802ab9e], [2147483647, 1234569390, 0x1802aacd], [2147483648, 1234569690, 0x1802a9fa], [2147483649, 1234569990, 0x1802a929], [2147483650, 1234570290, 0x1802a858], [2147483651, 1234570590, 0x1802a787], [2147483652, 1234570890, 0x1802a6b7]],
  },
  {
    name: 'run10 - a sequence of 900s blocks across signed 32-bit max integer time (heights shifted)',
    anchorHeight: 1,
    anchorParentTime: 2147483047,
    anchorBits: 0x1802aee8,
    rows: [[2, 2147484547, 0x1802afbb], [3, 2147485447, 0x1802b08f], [4, 2147486347, 0x1802b166], [5, 2147487247, 0x1802b23a], [6, 2147488147, 0x1802b30e], [7, 2147489047, 0x1802b3e5], [8, 2147489947, 0x1802b4bb], [9, 2147490847, 0x1802b592], [10, 2147491747, 0x1802b669], [11, 2147492647, 0x1802b73d]],
  },
  {
    name: 'run11 - deterministically uniform random solvetimes with negative time',
    anchorHeight: 1,
    anchorParentTime: 0,
    anchorBits: 0x1802aee8,
    rows: [[2, 1200, 0x1802aee8], [3, 1496, 0x1802ae12], [4, 1398, 0x1802ac28], [5, 1996, 0x1802ac28], [6, 1731, 0x1802a9cb], [7, 1816, 0x1802a863], [8, 2113, 0x1802a790], [9, 2318, 0x1802a67e]],
  },
  {
    name: 'run12 - each block 1 second before the previous one',
    anchorHeight: 1,
    anchorParentTime: 10000,
    anchorBits: 0x1802aee8,
    rows: [[2, 11200, 0x1802aee8], [3, 11199, 0x1802ad44], [4, 11198, 0x1802ab9e], [5, 11197, 0x1802a9f9], [6, 11196, 0x1802a855], [9997, 1205, 0x136537ed], [9998, 1204, 0x1364f98b], [9999, 1203, 0x1364bb7e], [10000, 1202, 0x13647d71], [10001, 1201, 0x13643f64]],
  },
];

const BCH = { idealBlockTime: 600, halfLife: 172_800, powLimit: bitsToTarget(0x1d00ffff) };

for (const run of RUNS) {
  test(`official aserti3-2d vectors: ${run.name}`, () => {
    const params: AsertParams = { ...BCH, anchorHeight: run.anchorHeight, anchorParentTime: run.anchorParentTime, anchorTarget: bitsToTarget(run.anchorBits) };
    for (const [height, timestamp, bits] of run.rows) {
      const got = nextBits(params, { height, timestamp });
      assert.equal(got.toString(16), bits.toString(16), `height ${height} time ${timestamp}`);
    }
  });
}

// The testnet's shape: 20 s blocks, a half-life of 288 blocks (Bitcoin Cash's ratio), anchored at
// genesis. Results are exact targets, written in hex.
const GENESIS = { timestamp: 1_700_000_000, bits: 0x1e0fffff };
const anchored = genesisAnchor(GENESIS, { idealBlockTime: 20, halfLife: 5760, powLimit: bitsToTarget(0x1f00ffff) });
const at = (height: number, offset: number): string => nextTarget(anchored, { height, timestamp: GENESIS.timestamp + offset }).toString(16);
const zeros = (n: number): string => '0'.repeat(n);

test('genesis anchor: the virtual parent is one block time before genesis, at height 0', () => {
  assert.deepEqual({ ...anchored }, {
    anchorTarget: bitsToTarget(0x1e0fffff),
    anchorParentTime: 1_700_000_000 - 20,
    anchorHeight: 0,
    idealBlockTime: 20,
    halfLife: 5760,
    powLimit: bitsToTarget(0x1f00ffff),
  });
});

test('on schedule the target stays the genesis target, from the first child on', () => {
  assert.equal(at(0, 0), 'fffff' + zeros(54));
  assert.equal(at(10, 200), 'fffff' + zeros(54));
  assert.equal(nextBits(anchored, { height: 10, timestamp: GENESIS.timestamp + 200 }), 0x1e0fffff);
});

test('one half-life late doubles the target, one early halves it, half of one is about √2', () => {
  assert.equal(at(10, 200 + 5760), '1ffffe' + zeros(54));
  assert.equal(at(10, 200 - 5760), '7ffff8' + zeros(53));
  assert.equal(at(10, 200 + 2880), '16a01e95fe' + zeros(50));
  assert.equal(at(10, 200 - 2880), 'b500f4aff' + zeros(50));
  assert.equal(at(10, 201), '10007efff8' + zeros(50));
  assert.equal(at(10, 199), 'fff8700078' + zeros(49));
  assert.equal(at(1000, 0), '1710ce8ef3' + zeros(49));
});

test('the target is clamped to powLimit above and to 1 below, even for absurd timestamps', () => {
  const limit = bitsToTarget(0x1f00ffff);
  assert.equal(nextTarget(anchored, { height: 100, timestamp: GENESIS.timestamp + 2000 + 10 * 5760 }), limit);
  assert.equal(nextTarget(anchored, { height: 10, timestamp: Number.MAX_SAFE_INTEGER }), limit);
  assert.equal(nextTarget(anchored, { height: 0xffff_ffff, timestamp: 0 }), 1n);
  assert.equal(nextTarget(anchored, { height: 10, timestamp: -Number.MAX_SAFE_INTEGER }), 1n);
});

test('bad parameters are programming errors and throw RangeError', () => {
  assert.throws(() => nextTarget(anchored, { height: -1, timestamp: 0 }), RangeError);
  assert.throws(() => nextTarget({ ...anchored, anchorHeight: 5 }, { height: 4, timestamp: 0 }), /below the anchor/);
  assert.throws(() => nextTarget({ ...anchored, halfLife: 0 }, { height: 1, timestamp: 0 }), /half-life/);
  assert.throws(() => nextTarget({ ...anchored, idealBlockTime: 1.5 }, { height: 1, timestamp: 0 }), /ideal block time/);
  assert.throws(() => nextTarget({ ...anchored, anchorTarget: anchored.powLimit + 1n }, { height: 1, timestamp: 0 }), /anchor target/);
  assert.throws(() => nextTarget(anchored, { height: 1, timestamp: 0.5 }), /timestamp/);
});

test('the target never decreases as the parent gets later, and stays within [1, powLimit]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.integer({ min: 1, max: 10_000 }), (height, offset, later) => {
      const a = nextTarget(anchored, { height, timestamp: GENESIS.timestamp + offset });
      const b = nextTarget(anchored, { height, timestamp: GENESIS.timestamp + offset + later });
      return a <= b && a >= 1n && b <= anchored.powLimit;
    }),
    { numRuns: 1000 },
  );
});
