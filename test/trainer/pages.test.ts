import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDataset, isHeldOutPage, DEFAULT_PAGE_SIZE, DEFAULT_HELD_OUT_EVERY } from '../../trainer/pages.ts';
import { corpusContentHash } from '../../trainer/corpus.ts';
import { isTrainerError } from '../../trainer/errors.ts';

function corpusOf(length: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => i % 251);
}

test('pages are fixed-size views and the partial last page is dropped', () => {
  const corpus = corpusOf(10 * 7 + 3);
  const ds = createDataset(corpus, { pageSize: 7, heldOutEvery: 5 });
  assert.equal(ds.pageCount, 10);
  assert.equal(ds.contentHash, corpusContentHash(corpus));
  assert.deepEqual(ds.page(2), corpus.subarray(14, 21));
  assert.equal(ds.page(9).length, 7);
  assert.equal(ds.page(2).buffer, corpus.buffer, 'a view, not a copy');
  assert.throws(() => ds.page(10), (e: unknown) => isTrainerError(e, 'invalid-argument'));
  assert.throws(() => ds.page(-1), (e: unknown) => isTrainerError(e, 'invalid-argument'));
});

test('every heldOutEvery-th page is held out; training pages number the rest in order', () => {
  const ds = createDataset(corpusOf(23 * 4), { pageSize: 4, heldOutEvery: 5 });
  assert.equal(ds.pageCount, 23);
  assert.equal(ds.heldOutPageCount, 4);
  assert.equal(ds.trainingPageCount, 19);
  const training = Array.from({ length: ds.trainingPageCount }, (_, j) => ds.trainingPageIndex(j));
  const heldOut = Array.from({ length: ds.heldOutPageCount }, (_, j) => ds.heldOutPageIndex(j));
  assert.deepEqual(heldOut, [4, 9, 14, 19]);
  assert.deepEqual(training, [0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 20, 21, 22]);
  assert.deepEqual(ds.trainingPage(4), ds.page(5));
  assert.deepEqual(ds.heldOutPage(1), ds.page(9));
  for (let i = 0; i < ds.pageCount; i++) assert.equal(isHeldOutPage(i, 5), heldOut.includes(i));
  assert.throws(() => ds.trainingPageIndex(19), (e: unknown) => isTrainerError(e, 'invalid-argument'));
  assert.throws(() => ds.heldOutPageIndex(4), (e: unknown) => isTrainerError(e, 'invalid-argument'));
});

test('defaults: 4 KiB pages, every 20th held out', () => {
  assert.equal(DEFAULT_PAGE_SIZE, 4096);
  assert.equal(DEFAULT_HELD_OUT_EVERY, 20);
  const ds = createDataset(corpusOf(4096 * 45 + 100));
  assert.deepEqual([ds.pageSize, ds.pageCount, ds.trainingPageCount, ds.heldOutPageCount], [4096, 45, 43, 2]);
  assert.equal(ds.heldOutPageIndex(1), 39);
});

test('a corpus too small for one held-out page, or bad options, are refused', () => {
  assert.throws(() => createDataset(corpusOf(4096 * 19)), (e: unknown) => isTrainerError(e, 'corpus-empty'));
  assert.throws(() => createDataset(corpusOf(100), { pageSize: 0 }), (e: unknown) => isTrainerError(e, 'invalid-argument'));
  assert.throws(() => createDataset(corpusOf(100), { pageSize: 5, heldOutEvery: 1 }), /heldOutEvery/);
});
