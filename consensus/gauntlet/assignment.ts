/**
 * The bytes every contribution of a block is scored on, from the chain alone:
 * - its own evaluation windows, on the pages the contributor was assigned to train on (keyed by the
 *   parent hash and its address, known before it trained);
 * - the shared random windows, on pages keyed by the parent hash and the block's contributions
 *   root, which nobody could know while training.
 * Each random page gives `windowsPerPage` evenly spaced windows of contextLength + 1 bytes, each
 * own page `ownWindowsPerPage` (default the same); pages are taken in draw order, the windows of
 * each in page order.
 */
import type { GauntletParams } from '../params.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { assignedPages, randomEvalPages } from '../../trainer/assignment.ts';
import { evalWindows } from '../../trainer/windows.ts';

export interface WindowSettings {
  readonly contextLength: number;
  readonly gauntlet: Pick<GauntletParams, 'pagesPerContributor' | 'randomEvalPages' | 'windowsPerPage' | 'ownWindowsPerPage'>;
}

function windowsOf(dataset: Dataset, pages: readonly number[], contextLength: number, perPage: number): Uint8Array[] {
  return pages.flatMap((j) => evalWindows(dataset.trainingPage(j), contextLength, perPage));
}

/** The training pages a contributor was assigned for this parent (what it should train on). */
export function contributorPages(settings: WindowSettings, dataset: Dataset, parentHash: Uint8Array, address: Uint8Array): number[] {
  return assignedPages(parentHash, address, dataset.trainingPageCount, settings.gauntlet.pagesPerContributor);
}

export function ownEvalWindows(settings: WindowSettings, dataset: Dataset, parentHash: Uint8Array, address: Uint8Array): Uint8Array[] {
  const perPage = settings.gauntlet.ownWindowsPerPage ?? settings.gauntlet.windowsPerPage;
  return windowsOf(dataset, contributorPages(settings, dataset, parentHash, address), settings.contextLength, perPage);
}

export function randomEvalWindows(
  settings: WindowSettings,
  dataset: Dataset,
  parentHash: Uint8Array,
  contributionsRoot: Uint8Array,
): Uint8Array[] {
  const pages = randomEvalPages(parentHash, contributionsRoot, dataset.trainingPageCount, settings.gauntlet.randomEvalPages);
  return windowsOf(dataset, pages, settings.contextLength, settings.gauntlet.windowsPerPage);
}
