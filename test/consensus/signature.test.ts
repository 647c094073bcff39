import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { verifySignature } from '../../consensus/signature.ts';
import { fromHex } from '../../consensus/hash.ts';

const noble = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean => {
  try {
    return ed25519.verify(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
};

test('RFC 8032 test vector 2 verifies; a flipped bit does not', () => {
  const pub = fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
  const msg = fromHex('72');
  const sig = fromHex(
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  );
  assert.equal(verifySignature(sig, msg, pub), true);
  const bad = new Uint8Array(sig);
  bad[0]! ^= 1;
  assert.equal(verifySignature(bad, msg, pub), false);
});

test('agrees with @noble/curves strict mode on valid, mutated and random signatures', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), fc.nat(63), fc.nat(255), (seed, msg, at, value) => {
      const pub = ed25519.getPublicKey(seed);
      const sig = ed25519.sign(msg, seed);
      assert.equal(verifySignature(sig, msg, pub), true);
      const mutated = new Uint8Array(sig);
      mutated[at] = value;
      assert.equal(verifySignature(mutated, msg, pub), noble(mutated, msg, pub));
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (sig, pub) => {
      assert.equal(verifySignature(sig, new Uint8Array([1, 2, 3]), pub), noble(sig, new Uint8Array([1, 2, 3]), pub));
    }),
    { numRuns: 300 },
  );
});

test('a non-canonical S (S + L) is rejected although the curve equation holds', () => {
  const seed = new Uint8Array(32).fill(5);
  const pub = ed25519.getPublicKey(seed);
  const msg = new Uint8Array([9]);
  const sig = ed25519.sign(msg, seed);
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
  s += 2n ** 252n + 27742317777372353535851937790883648493n;
  const malleated = new Uint8Array(sig);
  for (let i = 32; i < 64; i++) {
    malleated[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  assert.equal(verifySignature(malleated, msg, pub), false);
});

test('small-order public keys and wrong lengths are rejected', () => {
  const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
  const sig = new Uint8Array(64);
  sig[0] = 1;
  assert.equal(verifySignature(sig, new Uint8Array(0), identity), false);
  assert.equal(verifySignature(new Uint8Array(63), new Uint8Array(0), new Uint8Array(32)), false);
  assert.equal(verifySignature(new Uint8Array(64), new Uint8Array(0), new Uint8Array(31)), false);
});
