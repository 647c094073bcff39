import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assignedPages, randomEvalPages, prfStream, sampleDistinct, uniformBelow } from '../../trainer/assignment.ts';
import { isTrainerError } from '../../trainer/errors.ts';

const parent = new Uint8Array(32).map((_, i) => i);
const address = new Uint8Array(20).map((_, i) => 0xa0 + i);
const contributionsRoot = new Uint8Array(32).fill(0xee);

test('golden: the PRF stream and both page choices', () => {
  const stream = prfStream('page-assignment', parent, address);
  assert.deepEqual([stream(), stream(), stream()], [0x2a99fb7c, 0x07ea2636, 0x278b7461]);
  assert.deepEqual(assignedPages(parent, address, 1387, 8), [877, 1375, 1098, 1171, 129, 579, 571, 1337]);
  // The first draw is the first word mod n: 0x2a99fb7c = 714,734,460 ≡ 877 (mod 1387).
  assert.equal(0x2a99fb7c % 1387, 877);
  assert.deepEqual(assignedPages(parent, address, 10, 10), [0, 7, 3, 2, 6, 4, 9, 8, 5, 1]);
  assert.deepEqual(randomEvalPages(parent, contributionsRoot, 1387, 8), [12, 957, 635, 101, 165, 1256, 1070, 1343]);
});

test('keys are domain-separated: each input changes the pages', () => {
  const base = assignedPages(parent, address, 100_000, 4);
  const otherParent = parent.slice();
  otherParent[31] = 31 ^ 1;
  const otherAddress = address.slice();
  otherAddress[0] = 0xa0 ^ 1;
  assert.notDeepEqual(assignedPages(otherParent, address, 100_000, 4), base);
  assert.notDeepEqual(assignedPages(parent, otherAddress, 100_000, 4), base);
  // The same key bytes under another tag give another stream.
  const a = prfStream('page-assignment', parent, address);
  const b = prfStream('eval-pages', parent, address);
  assert.notEqual(a(), b());
  // A prefix of a longer request is the shorter request.
  assert.deepEqual(assignedPages(parent, address, 100_000, 2), base.slice(0, 2));
});

test('pages are distinct and in range (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      fc.integer({ min: 1, max: 5000 }),
      fc.nat(64),
      (p, a, n, want) => {
        const count = Math.min(n, want);
        for (const pages of [assignedPages(p, a, n, count), randomEvalPages(p, p, n, count)]) {
          assert.equal(pages.length, count);
          assert.equal(new Set(pages).size, count);
          for (const x of pages) assert.ok(Number.isInteger(x) && x >= 0 && x < n);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('uniformBelow rejects the biased top of the uint32 range', () => {
  // n = 3: 2^32 mod 3 = 1, so 2^32 - 1 is rejected and the next word decides.
  const words = [2 ** 32 - 1, 2 ** 32 - 2, 5];
  let i = 0;
  const next = (): number => words[i++]!;
  assert.equal(uniformBelow(3, next), (2 ** 32 - 2) % 3);
  assert.equal(i, 2);
  assert.equal(uniformBelow(2 ** 32, () => 2 ** 32 - 1), 2 ** 32 - 1);
  assert.equal(uniformBelow(1, () => 123), 0);
});

test('uniformBelow refuses a broken source instead of looping', () => {
  for (const bad of [NaN, -1, 2 ** 32, 0.5]) {
    assert.throws(() => uniformBelow(10, () => bad), (e: unknown) => isTrainerError(e, 'invalid-argument'));
  }
});

test('sampleDistinct covers the whole population when asked for all of it', () => {
  const stream = prfStream('test', new Uint8Array([1]));
  const all = sampleDistinct(1000, 1000, stream);
  assert.deepEqual([...all].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
  assert.deepEqual(sampleDistinct(5, 0, stream), []);
});

test('bad arguments are refused with invalid-argument', () => {
  const bad = (f: () => unknown): void => assert.throws(f, (e: unknown) => isTrainerError(e, 'invalid-argument'));
  bad(() => assignedPages(new Uint8Array(31), address, 10, 1));
  bad(() => assignedPages(parent, new Uint8Array(32), 10, 1));
  bad(() => assignedPages(parent, address, 0, 0));
  bad(() => assignedPages(parent, address, 10, 11));
  bad(() => assignedPages(parent, address, 10, -1));
  bad(() => randomEvalPages(parent, new Uint8Array(20), 10, 1));
  bad(() => randomEvalPages(parent, contributionsRoot, 2.5, 1));
});

test('draws are close to uniform (chi-squared, fixed seed)', () => {
  const n = 7;
  const counts = new Array<number>(n).fill(0);
  const stream = prfStream('uniformity', new Uint8Array(0));
  const draws = 70_000;
  for (let k = 0; k < draws; k++) counts[uniformBelow(n, stream)]!++;
  const expected = draws / n;
  const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  // 6 degrees of freedom: P(χ² > 22.46) = 0.001.
  assert.ok(chi2 < 22.46, `chi-squared ${chi2}`);
});
