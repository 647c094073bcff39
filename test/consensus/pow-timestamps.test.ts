import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MEDIAN_TIME_SPAN, checkTimestamp, medianTimePast } from '../../consensus/pow/timestamps.ts';

test('median time past covers the last 11 timestamps, the upper middle for even counts', () => {
  assert.equal(MEDIAN_TIME_SPAN, 11);
  assert.equal(medianTimePast([5]), 5);
  assert.equal(medianTimePast([10, 30]), 30);
  assert.equal(medianTimePast([30, 10, 20]), 20);
  assert.equal(medianTimePast([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 6);
  // Only the last 11 count: the leading 1000 is outside the window.
  assert.equal(medianTimePast([1000, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 6);
  // Out of order timestamps are sorted, the input is not modified.
  const input = [100, 50, 75, 60, 90, 80, 70, 55, 65, 85, 95];
  assert.equal(medianTimePast(input), 75);
  assert.deepEqual(input, [100, 50, 75, 60, 90, 80, 70, 55, 65, 85, 95]);
  assert.throws(() => medianTimePast([]), RangeError);
});

test('a timestamp must be after the median time past: time-too-old, permanently invalid', () => {
  const previous = [100, 120, 140, 160, 180, 200, 220, 240, 260, 280, 300];
  assert.deepEqual(checkTimestamp(201, previous, 1000, 7200), { ok: true });
  const atMedian = checkTimestamp(200, previous, 1000, 7200);
  assert.equal(atMedian.ok, false);
  if (!atMedian.ok) {
    assert.equal(atMedian.code, 'time-too-old');
    assert.equal(atMedian.score, 100);
    assert.match(atMedian.reason, /median time past 200/);
  }
  // Earlier than the parent but after the median is fine, as Bitcoin.
  assert.deepEqual(checkTimestamp(250, previous, 1000, 7200), { ok: true });
});

test('a timestamp may be at most maxFutureSeconds ahead of now: time-too-new, not a ban', () => {
  const previous = [100];
  assert.deepEqual(checkTimestamp(1120, previous, 1000, 120), { ok: true });
  const ahead = checkTimestamp(1121, previous, 1000, 120);
  assert.equal(ahead.ok, false);
  if (!ahead.ok) {
    assert.equal(ahead.code, 'time-too-new');
    assert.equal(ahead.score, 0);
  }
});

test('verdicts are exactly the two rules, for any inputs', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 0, max: 10_000 }),
      (t, previous, now, drift) => {
        const v = checkTimestamp(t, previous, now, drift);
        const old = t <= medianTimePast(previous);
        const fresh = t > now + drift;
        if (old) return !v.ok && v.code === 'time-too-old';
        if (fresh) return !v.ok && v.code === 'time-too-new';
        return v.ok;
      },
    ),
    { numRuns: 1000 },
  );
});
