/**
 * Header timestamps, as Bitcoin: later than the median of the previous 11 blocks (so a miner's
 * clock cannot drag the chain backwards, yet single bad clocks are tolerated), and not too far
 * ahead of the validating node's clock. The first rule is permanent; the second is relative to
 * `now`, so a block refused as too new may become valid later and must not be marked invalid.
 */
import type { VerifyCode } from '../errors.ts';

/** How many previous timestamps the median covers. */
export const MEDIAN_TIME_SPAN = 11;

export type TimestampVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: Extract<VerifyCode, 'time-too-old' | 'time-too-new'>;
      readonly reason: string;
      /** Ban score for whoever sent the header: 0 where only our clock may be at fault. */
      readonly score: number;
      /** False where the verdict depends on our clock: the block may be valid later. */
      readonly permanent: boolean;
    };

/**
 * The median of the last (up to) 11 timestamps, oldest first. With an even count, as Bitcoin, the
 * upper of the two middle values.
 */
export function medianTimePast(timestamps: readonly number[]): number {
  if (timestamps.length === 0) throw new RangeError('median time past needs at least one timestamp');
  const window = timestamps.slice(-MEDIAN_TIME_SPAN).sort((a, b) => a - b);
  return window[window.length >> 1]!;
}

/**
 * Checks a new header's timestamp against its predecessors' (the last up to 11, oldest first),
 * the local clock `now` and the tolerated drift `maxFutureSeconds`, all integer seconds.
 */
export function checkTimestamp(
  timestamp: number,
  previous11Timestamps: readonly number[],
  now: number,
  maxFutureSeconds: number,
): TimestampVerdict {
  const median = medianTimePast(previous11Timestamps);
  if (timestamp <= median) {
    return { ok: false, code: 'time-too-old', reason: `timestamp ${timestamp} is not after the median time past ${median}`, score: 100, permanent: true };
  }
  if (timestamp > now + maxFutureSeconds) {
    return {
      ok: false,
      code: 'time-too-new',
      reason: `timestamp ${timestamp} is more than ${maxFutureSeconds} s ahead of the local clock ${now}`,
      score: 0,
      permanent: false,
    };
  }
  return { ok: true };
}
