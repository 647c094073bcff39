/**
 * A short chain whose every block carries a full set of scored contributions (descents, an ascent,
 * noise), built with the miner's real template builder on the Brown corpus (a network a Chain accepts it for): the input of the
 * verifier's tests (worker pool, assume-valid sync) and of the replay bench.
 */
import type { GenesisParams } from '../../consensus/params.ts';
import type { Block } from '../../consensus/types.ts';
import type { Genesis } from '../../chain/genesis.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { buildBlockWithState, childFromState, genesisParent, testKeys, type BuildParent } from '../util/fixtures.ts';
import { brownNetworkDataset, gauntletGenesis } from '../util/gauntlet-network.ts';
import { added, canonical, contribute, honestishDelta, layoutOf, noiseDelta, scaled } from '../util/gauntlet-fixtures.ts';

export interface ContributionChain {
  readonly genesis: Genesis;
  readonly dataset: Dataset;
  readonly blocks: readonly Block[];
}

/** `length` blocks after the test genesis (with `overrides`), each with `perBlock` (≤ 16) contributions. */
export async function contributionChain(length: number, perBlock = 8, overrides: Partial<GenesisParams> = {}): Promise<ContributionChain> {
  const genesis = gauntletGenesis(overrides);
  const params = genesis.params;
  const dataset = await brownNetworkDataset(genesis);
  const layout = layoutOf(params);
  const keys = testKeys(8 + perBlock);
  const miner = keys[7]!;
  const contributors = keys.slice(8);
  let parent: BuildParent = genesisParent(genesis);
  const blocks: Block[] = [];
  for (let b = 0; b < length; b++) {
    const deltas = contributors.map((key, i) => {
      const honest = honestishDelta(params, dataset, parent.model, parent.hash, key, 200 + 100 * i);
      const noise = noiseDelta(layout.total, `chain-${b}-${i}`, 0.002);
      if (i % 4 === 2) return scaled(honest, -1);
      return i % 4 === 3 ? noiseDelta(layout.total, `chain-noise-${b}-${i}`, 0.01) : added(honest, noise);
    });
    const contributions = canonical(
      deltas.map((delta, i) => contribute(params, contributors[i]!, parent.hash, delta)),
      contributors,
    );
    const { block, state } = buildBlockWithState(params, parent, { miner: miner.address, contributions, dataset });
    blocks.push(block);
    parent = childFromState(parent, block, state);
  }
  return { genesis, dataset, blocks };
}
