/**
 * The dashboard's per-tip cache: a figure is computed once per tip whatever the number of
 * requests (concurrent ones share the computation), again when the tip moves, at most once per
 * refill interval while it is partial, and a failure is not kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TipCache, type Computed } from '../../src/dashboard/tip-cache.ts';

test('computed once per tip, shared by concurrent requests, again when the tip moves', async () => {
  let now = 0;
  let runs = 0;
  const cache = new TipCache<string>(async () => {
    runs++;
    await new Promise((r) => setImmediate(r));
    return { value: `figure ${runs}`, complete: true };
  }, () => now);
  const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get('tip-a')));
  assert.deepEqual(new Set(answers), new Set(['figure 1']));
  now += 60_000;
  assert.equal(await cache.get('tip-a'), 'figure 1', 'a complete figure does not expire');
  assert.equal(await cache.get('tip-b'), 'figure 2');
  assert.equal(cache.computations, 2);
});

test('a partial figure is computed again at most once per refill interval', async () => {
  let now = 1_000;
  let filled = 0;
  const cache = new TipCache<number>(async (): Promise<Computed<number>> => {
    filled++;
    return { value: filled, complete: filled >= 3 };
  }, () => now, 5_000);
  assert.equal(await cache.get('t'), 1);
  now += 4_999;
  for (let i = 0; i < 20; i++) assert.equal(await cache.get('t'), 1);
  now += 1;
  assert.equal(await cache.get('t'), 2);
  now += 5_000;
  assert.equal(await cache.get('t'), 3);
  now += 50_000;
  assert.equal(await cache.get('t'), 3, 'complete now');
  assert.equal(cache.computations, 3);
});

test('a failed computation is not cached', async () => {
  let fail = true;
  const cache = new TipCache<string>(async () => {
    if (fail) throw new Error('storage hiccup');
    return { value: 'ok', complete: true };
  }, () => 0);
  await assert.rejects(cache.get('t'), /storage hiccup/);
  fail = false;
  assert.equal(await cache.get('t'), 'ok');
  assert.equal(cache.computations, 2);
});
