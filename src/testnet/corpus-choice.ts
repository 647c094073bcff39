/**
 * The corpus a new genesis names: the Brown corpus, or a folder of .txt files. Its content hash
 * is computed here from the same loader and hash the nodes use, and the text is cut into pages
 * once, so a folder too small for the held-out split is refused now rather than when the network
 * starts.
 */
import { resolve } from 'node:path';
import { loadBrownCorpus, loadTextFolderCorpus } from '../../trainer/io/corpus-loader.ts';
import { corpusContentHash } from '../../trainer/corpus.ts';
import { createDataset } from '../../trainer/pages.ts';
import type { CorpusChoice } from './genesis-builder.ts';

export interface CorpusSummary {
  readonly choice: CorpusChoice;
  readonly bytes: number;
  readonly pages: number;
}

/** `brown`, or a folder path (stored absolute: nodes run from other working directories). */
export async function resolveCorpus(spec: string, pageSize: number): Promise<CorpusSummary> {
  const brown = spec === 'brown';
  const path = brown ? '' : resolve(spec);
  const bytes = brown ? await loadBrownCorpus() : await loadTextFolderCorpus(path);
  const dataset = createDataset(bytes, { pageSize });
  const contentHash = corpusContentHash(bytes);
  const choice: CorpusChoice = brown ? { source: 'brown', contentHash } : { source: 'folder', path, contentHash };
  return { choice, bytes: bytes.length, pages: dataset.pageCount };
}
