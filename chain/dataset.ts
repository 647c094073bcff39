/**
 * The network's dataset as the chain needs it: the Gauntlet scores every contribution on pages of
 * the corpus named in the genesis, so a node must hold exactly that corpus, cut into the genesis'
 * page size. The check compares the content hash (the genesis commits to it) and the page size;
 * a node with other data refuses to start rather than reject every block with contributions.
 */
import { CodedError } from '../trainer/coded-error.ts';
import type { GenesisParams } from '../consensus/params.ts';
import type { Dataset } from '../trainer/pages.ts';

export type DatasetErrorCode =
  | 'wrong-corpus' // the corpus or its pages are not the ones the genesis names
  | 'no-dataset'; // a block with contributions, on a chain opened without a dataset

export class DatasetError extends CodedError<DatasetErrorCode> {}

/** Throws DatasetError('wrong-corpus') unless `dataset` is the one the genesis names. */
export function checkNetworkDataset(params: Pick<GenesisParams, 'network' | 'corpus'>, dataset: Dataset): void {
  const expected = params.corpus;
  if (dataset.contentHash !== expected.contentHash) {
    throw new DatasetError(
      'wrong-corpus',
      `the corpus has content hash ${dataset.contentHash}, but the genesis of network ${params.network} names ${expected.contentHash} ` +
        `(source ${expected.source}${expected.path === null ? '' : ` at ${expected.path}`}): this node would score contributions on other text`,
    );
  }
  if (dataset.pageSize !== expected.pageSize) {
    throw new DatasetError('wrong-corpus', `the dataset has ${dataset.pageSize}-byte pages, the genesis ${expected.pageSize}-byte pages`);
  }
}

function missing(): never {
  throw new DatasetError('no-dataset', 'the chain was opened without the network dataset, so it cannot score contributions');
}

/** Stands in for the dataset of a chain opened without one: any use throws 'no-dataset'. */
export const NO_DATASET: Dataset = Object.freeze({
  get pageSize(): number {
    return missing();
  },
  get pageCount(): number {
    return missing();
  },
  get contentHash(): string {
    return missing();
  },
  get heldOutEvery(): number {
    return missing();
  },
  get trainingPageCount(): number {
    return missing();
  },
  get heldOutPageCount(): number {
    return missing();
  },
  page: missing,
  trainingPageIndex: missing,
  trainingPage: missing,
  heldOutPageIndex: missing,
  heldOutPage: missing,
});
