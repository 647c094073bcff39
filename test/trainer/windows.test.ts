import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evalWindows, trainingBatch } from '../../trainer/windows.ts';
import { prfStream } from '../../trainer/assignment.ts';
import { isTrainerError } from '../../trainer/errors.ts';

const page = new Uint8Array(100).map((_, i) => i);

test('evalWindows spreads windows of contextLength + 1 bytes evenly from start to end', () => {
  const ws = evalWindows(page, 9, 4);
  // span = 100 - 10 = 90; starts ⌊k·90/3⌋ = 0, 30, 60, 90.
  assert.deepEqual(ws.map((w) => w[0]), [0, 30, 60, 90]);
  for (const w of ws) assert.equal(w.length, 10);
  assert.equal(ws[3]![9], 99, 'the last window ends at the page end');
  assert.equal(ws[0]!.buffer, page.buffer, 'views, not copies');
  assert.deepEqual(evalWindows(page, 9, 1).map((w) => w[0]), [0]);
  assert.deepEqual(evalWindows(page, 9, 7).map((w) => w[0]), [0, 15, 30, 45, 60, 75, 90]);
  assert.deepEqual(evalWindows(page, 99, 1)[0], page);
});

test('evalWindows at the defaults: 4 KiB page, context 64', () => {
  const big = new Uint8Array(4096);
  const starts = evalWindows(big, 64, 8).map((w) => w.byteOffset);
  assert.deepEqual(starts, [0, 575, 1151, 1727, 2303, 2879, 3455, 4031]);
});

test('evalWindows refuses windows that do not fit or more windows than positions', () => {
  const bad = (f: () => unknown): void => assert.throws(f, (e: unknown) => isTrainerError(e, 'invalid-argument'));
  bad(() => evalWindows(page, 100, 1));
  bad(() => evalWindows(page, 9, 0));
  bad(() => evalWindows(page, 9, 92));
  bad(() => evalWindows(page, 0, 1));
});

test('trainingBatch draws whole windows from the given pages, reproducibly', () => {
  const pages = [page.subarray(0, 50), page.subarray(50, 100)];
  const a = trainingBatch(pages, 9, 32, prfStream('batch', new Uint8Array([7])));
  const b = trainingBatch(pages, 9, 32, prfStream('batch', new Uint8Array([7])));
  assert.deepEqual(a, b);
  assert.equal(a.length, 32);
  for (const w of a) {
    assert.equal(w.length, 10);
    for (let i = 1; i < w.length; i++) assert.equal(w[i], w[0]! + i, 'contiguous bytes of one page');
    assert.ok(w[0]! % 50 <= 40, 'inside one page');
  }
  const firstBytes = new Set(a.map((w) => w[0]));
  assert.ok(firstBytes.size > 10, 'windows vary');
});

test('trainingBatch uses exactly two uint32 draws per window when none is rejected', () => {
  const words: number[] = [];
  const source = (): number => {
    const w = [1, 5, 0, 40][words.length % 4]!;
    words.push(w);
    return w;
  };
  const pages = [page.subarray(0, 50), page.subarray(50, 100)];
  const ws = trainingBatch(pages, 9, 2, source);
  assert.equal(words.length, 4);
  assert.deepEqual(ws.map((w) => w[0]), [55, 40]);
});

test('trainingBatch never reads outside its pages (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 2, max: 300 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 40 }),
      fc.nat(20),
      fc.uint8Array({ minLength: 1, maxLength: 8 }),
      (lengths, context, batch, seed) => {
        const pages = lengths.map((n, k) => new Uint8Array(Math.max(n, context + 1)).fill(k));
        for (const w of trainingBatch(pages, context, batch, prfStream('p', seed))) {
          assert.equal(w.length, context + 1);
          assert.ok(pages.some((p) => p.buffer === w.buffer && w.byteOffset + w.length <= p.length));
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('trainingBatch refuses no pages or a page too short', () => {
  const src = prfStream('x');
  assert.throws(() => trainingBatch([], 9, 1, src), (e: unknown) => isTrainerError(e, 'invalid-argument'));
  assert.throws(() => trainingBatch([page.subarray(0, 9)], 9, 1, src), /cannot hold a window of 10/);
  assert.deepEqual(trainingBatch([page], 9, 0, src), []);
});
