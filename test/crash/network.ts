/**
 * The crash harness's network: the test genesis with a small corpus of its own (a 64 KiB slice
 * of the Brown corpus in a folder, 1 KiB pages), so that blocks can carry contributions and a
 * restarted child loads the dataset in milliseconds, and a Gauntlet that scores on few windows
 * (one own page and two random pages of two windows each): the harness checks what a crash does
 * to the stored state, not how well contributions are told apart. Parent and child build the same
 * genesis from the same folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Genesis } from '../../chain/genesis.ts';
import { loadDataset } from '../../src/gauntlet/dataset.ts';
import { loadBrownCorpus } from '../../trainer/io/corpus-loader.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { testGenesis, testGenesisParams } from '../util/fixtures.ts';

const CORPUS_BYTES = 64 * 1024;
const PAGE_SIZE = 1024;

/** Writes the corpus into `folder` (the parent does this once). */
export async function writeCrashCorpus(folder: string): Promise<void> {
  mkdirSync(folder, { recursive: true });
  const brown = await loadBrownCorpus();
  writeFileSync(join(folder, 'corpus.txt'), brown.subarray(0, CORPUS_BYTES));
}

export interface CrashNetwork {
  readonly genesis: Genesis;
  readonly dataset: Dataset;
}

export async function crashNetwork(folder: string): Promise<CrashNetwork> {
  const dataset = await loadDataset({ source: 'folder', folder, pageSize: PAGE_SIZE });
  const gauntlet = { ...testGenesisParams().gauntlet, pagesPerContributor: 1, randomEvalPages: 2, windowsPerPage: 2 };
  const genesis = testGenesis({ corpus: { source: 'folder', path: null, pageSize: PAGE_SIZE, contentHash: dataset.contentHash }, gauntlet });
  return { genesis, dataset };
}
