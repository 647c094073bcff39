/**
 * A test network whose genesis names the real Brown corpus (so a Chain accepts its dataset), with
 * the test fixtures' easy proof of work, and a small training recipe for contributors in tests.
 */
import type { GenesisParams } from '../../consensus/params.ts';
import type { Genesis } from '../../chain/genesis.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { loadNetworkDataset } from '../../src/gauntlet/dataset.ts';
import { testGenesis } from './fixtures.ts';

/** corpusContentHash of the Brown corpus as trainer/io/corpus-loader.ts builds it (genesis.json's). */
export const BROWN_CONTENT_HASH = '4bc96a1fc96a7e1482bc62349e614d444a66bdfc273b16e09961dcd1c5b22eea';

export function gauntletGenesis(overrides: Partial<GenesisParams> = {}): Genesis {
  return testGenesis({ corpus: { source: 'brown', path: null, pageSize: 4096, contentHash: BROWN_CONTENT_HASH }, ...overrides });
}

/** The network's dataset (loaded once per process). */
export function brownNetworkDataset(g: Genesis): Promise<Dataset> {
  return loadNetworkDataset(g.params);
}

/**
 * A contributor recipe for tests: 2 AdamW steps on batches of 4 windows. Enough for a Δ that
 * lowers the loss of the young test model, which is all the storage and reorganisation tests need
 * (they check that the state follows the blocks, not how well the model learns).
 */
export const QUICK_TRAINING = { steps: 2, lr: 3e-3, batchSize: 4 } as const;
