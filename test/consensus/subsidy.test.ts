import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BPS_DENOMINATOR, COIN, splitReward, subsidy } from '../../consensus/subsidy.ts';

const BITCOIN = { initialSubsidy: 50n * COIN, halvingInterval: 210_000 };

test('one GC is 10^8 base units', () => {
  assert.equal(COIN, 100_000_000n);
  assert.equal(BPS_DENOMINATOR, 10_000);
});

test('subsidy halves every interval (golden: Bitcoin schedule)', () => {
  assert.equal(subsidy(0, BITCOIN), 5_000_000_000n);
  assert.equal(subsidy(209_999, BITCOIN), 5_000_000_000n);
  assert.equal(subsidy(210_000, BITCOIN), 2_500_000_000n);
  assert.equal(subsidy(420_000, BITCOIN), 1_250_000_000n);
  assert.equal(subsidy(630_000, BITCOIN), 625_000_000n);
  assert.equal(subsidy(840_000, BITCOIN), 312_500_000n);
  // Integer shifts: 50 GC reaches one base unit at the 32nd halving and zero at the 33rd.
  assert.equal(subsidy(32 * 210_000, BITCOIN), 1n);
  assert.equal(subsidy(33 * 210_000, BITCOIN), 0n);
  // Bitcoin's total supply under this schedule, in base units.
  let total = 0n;
  for (let era = 0; era < 64; era++) total += subsidy(era * 210_000, BITCOIN) * 210_000n;
  assert.equal(total, 2_099_999_997_690_000n);
});

test('subsidy is zero once 64 halvings are reached, whatever the initial amount', () => {
  const huge = { initialSubsidy: (1n << 80n) - 1n, halvingInterval: 1 };
  assert.equal(subsidy(63, huge), (1n << 17n) - 1n);
  assert.equal(subsidy(64, huge), 0n);
  assert.equal(subsidy(4_000_000_000, huge), 0n);
  assert.throws(() => subsidy(-1, BITCOIN), RangeError);
  assert.throws(() => subsidy(1.5, BITCOIN), RangeError);
  assert.throws(() => subsidy(0, { initialSubsidy: 1n, halvingInterval: 0 }), RangeError);
});

test('splitReward floors the miner share and gives the rest to the pool (golden)', () => {
  assert.deepEqual(splitReward(50n * COIN, 2000), { miner: 1_000_000_000n, pool: 4_000_000_000n });
  assert.deepEqual(splitReward(7n, 2000), { miner: 1n, pool: 6n });
  assert.deepEqual(splitReward(9_999n, 1), { miner: 0n, pool: 9_999n });
  assert.deepEqual(splitReward(10_001n, 3333), { miner: 3333n, pool: 6668n });
  assert.deepEqual(splitReward(123n, 10_000), { miner: 123n, pool: 0n });
  assert.deepEqual(splitReward(123n, 0), { miner: 0n, pool: 123n });
  assert.throws(() => splitReward(1n, 10_001), RangeError);
  assert.throws(() => splitReward(1n, 20.5), RangeError);
  assert.throws(() => splitReward(-1n, 2000), RangeError);
});

test('splitReward conserves the amount and never rounds in the miner\'s favour', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 1n << 70n }), fc.integer({ min: 0, max: 10_000 }), (amount, bps) => {
      const { miner, pool } = splitReward(amount, bps);
      return miner + pool === amount && miner >= 0n && pool >= 0n && miner * 10_000n <= amount * BigInt(bps);
    }),
  );
});
