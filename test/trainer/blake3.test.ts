import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { blake3Of } from '../../trainer/blake3.ts';
import { xorshift32 } from '../util/xorshift.ts';

test('blake3Of gives the BLAKE3 of the concatenated parts, at every chunk boundary and split', () => {
  const next = xorshift32(0x5eed);
  for (const n of [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 4097, 65_537, 482_304]) {
    const data = Uint8Array.from({ length: n }, () => next() & 0xff);
    const expected = bytesToHex(blake3(data));
    assert.equal(bytesToHex(blake3Of(data)), expected, `${n} bytes whole`);
    const cut = n === 0 ? 0 : next() % n;
    assert.equal(bytesToHex(blake3Of(data.subarray(0, cut), data.subarray(cut))), expected, `${n} bytes cut at ${cut}`);
  }
});

test('the official BLAKE3 test vector for the empty input', () => {
  assert.equal(bytesToHex(blake3Of()), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262');
});

test('a digest is the caller\'s own: later hashing does not change it', () => {
  const first = blake3Of(new Uint8Array([1, 2, 3]));
  const copy = bytesToHex(first);
  blake3Of(new Uint8Array(1 << 16).fill(9));
  assert.equal(bytesToHex(first), copy);
});
