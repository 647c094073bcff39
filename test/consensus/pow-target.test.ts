import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import fc from 'fast-check';
import {
  HEADER_SIZE,
  MAX_TARGET,
  NONCE_OFFSET,
  NONCE_SIZE,
  checkProofOfWork,
  hashMeetsTarget,
  hashToBigInt,
  powHash,
  targetToBytes,
} from '../../consensus/pow/target.ts';
import { blockWork, workFromBits } from '../../consensus/pow/work.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';

test('header constants match the fixed 240-byte layout', () => {
  assert.equal(HEADER_SIZE, 240);
  assert.equal(NONCE_OFFSET, 52);
  assert.equal(NONCE_SIZE, 8);
});

test('powHash is double SHA-256 of the header bytes (golden, and equal to node:crypto)', () => {
  assert.equal(toHex(powHash(new Uint8Array(240))), 'a5b19e86092f3b170e2104ce4aef77c64ec2da0ba034df9ca6de6aaf170bcdfa');
  const counting = Uint8Array.from({ length: 240 }, (_, i) => i);
  assert.equal(toHex(powHash(counting)), '535c8435abb17b8f30bd0e0b410204faf521cf038cd7a6678adb4d632a4c6d67');
  const viaNode = hash('sha256', hash('sha256', counting, 'buffer'), 'buffer');
  assert.deepEqual(powHash(counting), new Uint8Array(viaNode));
  assert.throws(() => powHash(new Uint8Array(80)), /240 bytes/);
});

test('hashes are big-endian integers: byte 0 is the most significant', () => {
  const h = new Uint8Array(32);
  h[31] = 1;
  assert.equal(hashToBigInt(h), 1n);
  h[0] = 0x80;
  assert.equal(hashToBigInt(h), (1n << 255n) + 1n);
  assert.equal(toHex(targetToBytes(bitsToTarget(0x1d00ffff))), '00000000ffff' + '0'.repeat(52));
  assert.equal(toHex(targetToBytes(MAX_TARGET)), 'ff'.repeat(32));
  assert.throws(() => targetToBytes(MAX_TARGET + 1n), RangeError);
});

test('hashMeetsTarget agrees with integer comparison, equality included', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
      return hashMeetsTarget(a, b) === hashToBigInt(a) <= hashToBigInt(b) && hashMeetsTarget(a, a);
    }),
    { numRuns: 2000 },
  );
  // Differing only in the last byte.
  const t = fromHex('00000000ffff' + '0'.repeat(50) + '10', 32);
  const h = fromHex('00000000ffff' + '0'.repeat(50) + '11', 32);
  assert.equal(hashMeetsTarget(h, t), false);
  assert.equal(hashMeetsTarget(t, h), true);
});

test('checkProofOfWork: high-hash when the hash misses, bad-bits above the limit or malformed', () => {
  const limit = bitsToTarget(0x1d00ffff);
  const hashAt = (hexHash: string): Uint8Array => fromHex(hexHash, 32);
  const justUnder = hashAt('00000000ffff' + '0'.repeat(52));
  assert.equal(checkProofOfWork(justUnder, 0x1d00ffff, limit), limit);
  const justOver = hashAt('00000000ffff' + '0'.repeat(51) + '1');
  assert.throws(() => checkProofOfWork(justOver, 0x1d00ffff, limit), (e: unknown) => isVerifyError(e, 'high-hash'));
  assert.throws(() => checkProofOfWork(justUnder, 0x1d01ffff, limit), (e: unknown) => isVerifyError(e, 'bad-bits') && /limit/.test(e.reason));
  assert.throws(() => checkProofOfWork(justUnder, 0x1d80ffff, limit), (e: unknown) => isVerifyError(e, 'bad-bits'));
});

test('block work is 2^256 / (target + 1) (golden: Bitcoin genesis work 0x100010001)', () => {
  assert.equal(workFromBits(0x1d00ffff), 0x1_0001_0001n);
  assert.equal(blockWork(MAX_TARGET), 1n);
  assert.equal(blockWork((1n << 255n) - 1n), 2n);
  assert.equal(blockWork(0n), 1n << 256n);
  assert.equal(blockWork(bitsToTarget(0x1802aee8)), 0x5f_6851_26fb_06e8_051fn);
  assert.throws(() => blockWork(-1n), RangeError);
  assert.throws(() => workFromBits(0x01fedcba), (e: unknown) => isVerifyError(e, 'bad-bits'));
});
