/**
 * Who trains on what, and what everyone is scored on: pseudo-random page choices that every node
 * recomputes from the chain alone.
 *
 * - A contributor's pages are keyed by (parent block hash, its address): known as soon as the
 *   parent is, different for every contributor, so each one's work is its own and can be checked
 *   (the Gauntlet compares its loss gain on these pages with that on random ones).
 * - The random evaluation pages are keyed by (parent hash, contributions root): fixed only when
 *   the block's contributions are, so no contributor can train on them in advance.
 *
 * The PRF is BLAKE3 in extendable-output mode over "gradientcoin/<tag>" ‖ 0x00 ‖ key, read as
 * little-endian uint32 words. A draw below n rejects words ≥ 2³² − (2³² mod n), so there is no
 * modulo bias; distinct pages come from a partial Fisher–Yates shuffle of 0 … n − 1 (kept sparse in
 * a map), so k pages cost k draws (plus rare rejections) whatever k is.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { TrainerError, requireInt } from './errors.ts';

export const PAGE_ASSIGNMENT_TAG = 'page-assignment';
export const EVAL_PAGES_TAG = 'eval-pages';

const TWO_32 = 2 ** 32;
const BLOCK_BYTES = 64;

/** An endless stream of uint32 words: BLAKE3-XOF of the tagged key. */
export function prfStream(tag: string, ...keyParts: readonly Uint8Array[]): () => number {
  const h = blake3.create();
  h.update(new TextEncoder().encode(`gradientcoin/${tag}`));
  h.update(new Uint8Array([0]));
  for (const part of keyParts) h.update(part);
  const block = new Uint8Array(BLOCK_BYTES);
  const view = new DataView(block.buffer);
  let offset = BLOCK_BYTES;
  return () => {
    if (offset === BLOCK_BYTES) {
      h.xofInto(block);
      offset = 0;
    }
    const word = view.getUint32(offset, true);
    offset += 4;
    return word;
  };
}

/**
 * A uniform integer in [0, n) from a source of uniform uint32 words, by rejection. n may be up to
 * 2³². The source is checked, as a bad one (NaN, negative) would otherwise loop for ever.
 */
export function uniformBelow(n: number, nextU32: () => number): number {
  requireInt(n, 'range', 1, TWO_32);
  const limit = TWO_32 - (TWO_32 % n);
  while (true) {
    const x = nextU32();
    if (!Number.isInteger(x) || x < 0 || x >= TWO_32) {
      throw new TrainerError('invalid-argument', `the random source returned ${String(x)}, not a uint32`);
    }
    if (x < limit) return x % n;
  }
}

/** `count` distinct integers of [0, n), in draw order (a partial Fisher–Yates shuffle). */
export function sampleDistinct(n: number, count: number, nextU32: () => number): number[] {
  requireInt(n, 'population', 1, TWO_32);
  requireInt(count, 'count', 0, n);
  const moved = new Map<number, number>();
  const out: number[] = [];
  for (let t = 0; t < count; t++) {
    const j = t + uniformBelow(n - t, nextU32);
    out.push(moved.get(j) ?? j);
    moved.set(j, moved.get(t) ?? t);
  }
  return out;
}

function requireBytes(bytes: Uint8Array, length: number, name: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new TrainerError('invalid-argument', `${name} must be ${length} bytes`);
  }
}

/** The training pages (numbers into the training-page list) a contributor trains on for a block. */
export function assignedPages(parentHash: Uint8Array, address: Uint8Array, trainingPageCount: number, count: number): number[] {
  requireBytes(parentHash, 32, 'parent hash');
  requireBytes(address, 20, 'address');
  return sampleDistinct(trainingPageCount, count, prfStream(PAGE_ASSIGNMENT_TAG, parentHash, address));
}

/** The training pages every contribution of a block is scored on. */
export function randomEvalPages(parentHash: Uint8Array, contributionsRoot: Uint8Array, trainingPageCount: number, count: number): number[] {
  requireBytes(parentHash, 32, 'parent hash');
  requireBytes(contributionsRoot, 32, 'contributions root');
  return sampleDistinct(trainingPageCount, count, prfStream(EVAL_PAGES_TAG, parentHash, contributionsRoot));
}
