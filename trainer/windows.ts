/**
 * Byte windows cut from pages: a window of contextLength + 1 bytes gives contextLength inputs and
 * their next-byte targets. Evaluation windows are fixed by the page alone (so every node scores the
 * same bytes); training windows are drawn from a caller's random source.
 */
import { uniformBelow } from './assignment.ts';
import { TrainerError, requireInt } from './errors.ts';

function requireFits(page: Uint8Array, windowLength: number): void {
  if (page.length < windowLength) {
    throw new TrainerError('invalid-argument', `a page of ${page.length} bytes cannot hold a window of ${windowLength}`);
  }
}

/**
 * `count` windows spread evenly over the page: window k starts at ⌊k·(pageLength − w) / (count − 1)⌋
 * (w = contextLength + 1), so the first starts at 0 and the last ends at the page's end; one window
 * starts at 0. Views into the page, not copies. Integer arithmetic only.
 */
export function evalWindows(page: Uint8Array, contextLength: number, count: number): Uint8Array[] {
  requireInt(contextLength, 'contextLength', 1, 2 ** 30);
  const w = contextLength + 1;
  requireFits(page, w);
  const span = page.length - w;
  requireInt(count, 'window count', 1, span + 1);
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const start = count === 1 ? 0 : Math.floor((k * span) / (count - 1));
    out.push(page.subarray(start, start + w));
  }
  return out;
}

/**
 * `batchSize` training windows: for each, a page drawn uniformly, then a start drawn uniformly
 * among the page's positions (two draws from nextU32, each by rejection, so unbiased). Views into
 * the pages, not copies.
 */
export function trainingBatch(
  pages: readonly Uint8Array[],
  contextLength: number,
  batchSize: number,
  nextU32: () => number,
): Uint8Array[] {
  requireInt(contextLength, 'contextLength', 1, 2 ** 30);
  requireInt(batchSize, 'batchSize', 0, 2 ** 30);
  if (pages.length === 0) throw new TrainerError('invalid-argument', 'no pages to draw training windows from');
  const w = contextLength + 1;
  for (const page of pages) requireFits(page, w);
  const out: Uint8Array[] = [];
  for (let b = 0; b < batchSize; b++) {
    const page = pages[uniformBelow(pages.length, nextU32)]!;
    const start = uniformBelow(page.length - w + 1, nextU32);
    out.push(page.subarray(start, start + w));
  }
  return out;
}
