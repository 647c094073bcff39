/**
 * The corpus cut into fixed-size pages, the unit in which data is assigned and evaluated, and
 * the fixed split of those pages into training pages and held-out pages.
 *
 * - Every page is exactly `pageSize` bytes: the last partial page is dropped (at most
 *   pageSize − 1 bytes of text lost) so that every window and every evaluation sees pages of one
 *   shape.
 * - Page i is held out when i mod heldOutEvery = heldOutEvery − 1 (every 20th page by default:
 *   5 % of the text, spread evenly across all genres). Held-out pages are never assigned to a
 *   contributor nor drawn for scoring; they measure the model's loss on text nobody trained on.
 * - Training pages are numbered 0 … trainingPageCount − 1 in corpus order, skipping held-out
 *   pages. The assignment PRFs (assignment.ts) return these training numbers.
 */
import { corpusContentHash } from './corpus.ts';
import { TrainerError, requireInt } from './errors.ts';

export const DEFAULT_PAGE_SIZE = 4096;
export const DEFAULT_HELD_OUT_EVERY = 20;

export interface DatasetOptions {
  readonly pageSize?: number;
  readonly heldOutEvery?: number;
}

export interface Dataset {
  readonly pageSize: number;
  /** Whole pages in the corpus, held-out ones included. */
  readonly pageCount: number;
  /** corpusContentHash of the corpus bytes (all of them, the dropped tail included). */
  readonly contentHash: string;
  readonly heldOutEvery: number;
  readonly trainingPageCount: number;
  readonly heldOutPageCount: number;
  /** Page i of the corpus: a view into the corpus bytes, not a copy. */
  page(i: number): Uint8Array;
  /** Corpus page number of training page j. */
  trainingPageIndex(j: number): number;
  trainingPage(j: number): Uint8Array;
  /** Corpus page number of held-out page j. */
  heldOutPageIndex(j: number): number;
  heldOutPage(j: number): Uint8Array;
}

export function isHeldOutPage(i: number, heldOutEvery: number): boolean {
  return i % heldOutEvery === heldOutEvery - 1;
}

export function createDataset(corpus: Uint8Array, options: DatasetOptions = {}): Dataset {
  const pageSize = requireInt(options.pageSize ?? DEFAULT_PAGE_SIZE, 'pageSize', 1, 2 ** 30);
  const heldOutEvery = requireInt(options.heldOutEvery ?? DEFAULT_HELD_OUT_EVERY, 'heldOutEvery', 2, 2 ** 30);
  const pageCount = Math.floor(corpus.length / pageSize);
  if (pageCount < heldOutEvery) {
    throw new TrainerError(
      'corpus-empty',
      `a corpus of ${corpus.length} bytes makes ${pageCount} pages of ${pageSize} bytes; at least ${heldOutEvery} are needed`,
    );
  }
  const heldOutPageCount = Math.floor(pageCount / heldOutEvery);
  const trainingPageCount = pageCount - heldOutPageCount;
  const trainingPerGroup = heldOutEvery - 1;

  const page = (i: number): Uint8Array => {
    requireInt(i, 'page number', 0, pageCount - 1);
    return corpus.subarray(i * pageSize, (i + 1) * pageSize);
  };
  const trainingPageIndex = (j: number): number => {
    requireInt(j, 'training page number', 0, trainingPageCount - 1);
    return j + Math.floor(j / trainingPerGroup);
  };
  const heldOutPageIndex = (j: number): number => {
    requireInt(j, 'held-out page number', 0, heldOutPageCount - 1);
    return j * heldOutEvery + heldOutEvery - 1;
  };
  return Object.freeze({
    pageSize,
    pageCount,
    contentHash: corpusContentHash(corpus),
    heldOutEvery,
    trainingPageCount,
    heldOutPageCount,
    page,
    trainingPageIndex,
    trainingPage: (j: number) => page(trainingPageIndex(j)),
    heldOutPageIndex,
    heldOutPage: (j: number) => page(heldOutPageIndex(j)),
  });
}
