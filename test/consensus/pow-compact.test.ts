import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bitsToTarget, targetToBits } from '../../consensus/pow/compact.ts';
import { isVerifyError } from '../../consensus/errors.ts';

const hex = (n: bigint): string => n.toString(16);

test('bitsToTarget decodes as Bitcoin (golden values from Bitcoin Core arith_uint256 tests)', () => {
  assert.equal(hex(bitsToTarget(0x01123456)), '12');
  assert.equal(hex(bitsToTarget(0x02123456)), '1234');
  assert.equal(hex(bitsToTarget(0x03123456)), '123456');
  assert.equal(hex(bitsToTarget(0x04123456)), '12345600');
  assert.equal(hex(bitsToTarget(0x05009234)), '92340000');
  assert.equal(hex(bitsToTarget(0x20123456)), '123456' + '00'.repeat(29));
  assert.equal(bitsToTarget(0x1d00ffff).toString(16).padStart(64, '0'), '00000000ffff' + '0'.repeat(52));
  assert.equal(bitsToTarget(0x01010000), 1n);
  // The largest target a compact value can hold.
  assert.equal(bitsToTarget(0x2100ffff), 0xffffn << 240n);
});

test('targetToBits is canonical (Bitcoin GetCompact), moving a set sign bit into the exponent', () => {
  assert.equal(targetToBits(0x12n), 0x01120000);
  assert.equal(targetToBits(0x1234n), 0x02123400);
  assert.equal(targetToBits(0x123456n), 0x03123456);
  assert.equal(targetToBits(0x12345600n), 0x04123456);
  assert.equal(targetToBits(0x92340000n), 0x05009234);
  assert.equal(targetToBits(0x80n), 0x02008000);
  assert.equal(targetToBits(1n), 0x01010000);
  assert.equal(targetToBits(0n), 0);
  assert.equal(targetToBits(bitsToTarget(0x1d00ffff)), 0x1d00ffff);
  // Rounds down to 23 significant bits.
  assert.equal(targetToBits((1n << 256n) - 1n), 0x2100ffff);
  assert.equal(targetToBits(0x123456789n), 0x05012345);
  assert.throws(() => targetToBits(-1n), RangeError);
  assert.throws(() => targetToBits(1n << 256n), RangeError);
});

test('bitsToTarget rejects negative, overflowing and zero targets as bad-bits', () => {
  const bad = (bits: number, why: RegExp): void => {
    assert.throws(() => bitsToTarget(bits), (e: unknown) => isVerifyError(e, 'bad-bits') && why.test(e.reason), bits.toString(16));
  };
  bad(0x01fedcba, /negative/);
  bad(0x04923456, /negative/);
  bad(0xff123456, /2\^256/);
  bad(0x22000100, /2\^256/);
  bad(0x21010000, /2\^256/);
  // Mantissa bits shifted away: zero, and then the sign does not count (as Bitcoin).
  for (const bits of [0, 0x00123456, 0x01003456, 0x02000056, 0x03000000, 0x04000000, 0x00923456, 0x01803456, 0x02800056, 0x03800000, 0x04800000]) {
    bad(bits, /zero/);
  }
  bad(-1, /u32/);
  bad(2 ** 32, /u32/);
  bad(1.5, /u32/);
});

test('any u32 decodes to a target in [1, 2^256) or throws bad-bits, and never anything else', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (bits) => {
      try {
        const t = bitsToTarget(bits);
        return t >= 1n && t < 1n << 256n;
      } catch (e) {
        return isVerifyError(e, 'bad-bits');
      }
    }),
    { numRuns: 5000 },
  );
});

test('targetToBits round-trips: canonical bits decode back to themselves, precision is 2^-15', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: (1n << 256n) - 1n }), (t) => {
      const bits = targetToBits(t);
      const r = bitsToTarget(bits);
      return r <= t && targetToBits(r) === bits && (t === r || (t - r) << 15n < r);
    }),
    { numRuns: 3000 },
  );
});
