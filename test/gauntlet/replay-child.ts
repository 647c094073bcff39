/**
 * A node that replays a chain from its blocks: `replay-child.ts <blocks file> <datadir>`, on the
 * Gauntlet test network. After every block it prints one JSON line with what it computed itself:
 * the hash of the model it holds and the state root of its accounts and ratings.
 */
import { Chain } from '../../chain/chain.ts';
import { toHex } from '../../consensus/hash.ts';
import { computeFullStateRoot } from '../../consensus/state-root.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { readScript } from '../util/script-file.ts';
import { TEST_NOW } from '../util/clock.ts';
import { brownNetworkDataset, gauntletGenesis } from '../util/gauntlet-network.ts';

export interface ReplayRow {
  readonly height: number;
  readonly hash: string;
  readonly modelHash: string;
  readonly stateRoot: string;
}

/** Replays `blocks` (encoded) on a fresh chain in `location`; one row per block. */
export async function replay(blocks: readonly Uint8Array[], location: string): Promise<ReplayRow[]> {
  const genesis = gauntletGenesis();
  const chain = await Chain.open({ location, genesis, dataset: await brownNetworkDataset(genesis), clock: () => TEST_NOW });
  const rows: ReplayRow[] = [];
  try {
    for (const bytes of blocks) {
      const { status } = await chain.addBlock(bytes);
      if (status !== 'connected') throw new Error(`replayed block was ${status}`);
      rows.push({
        height: chain.height(),
        hash: toHex(chain.tip().hash),
        modelHash: toHex(modelHash(chain.model())),
        stateRoot: toHex(computeFullStateRoot(chain.accounts(), chain.ratings())),
      });
    }
  } finally {
    await chain.close();
  }
  return rows;
}

if (import.meta.main) {
  const [file, location] = process.argv.slice(2);
  if (!file || !location) throw new Error('usage: replay-child.ts <blocks file> <datadir>');
  for (const row of await replay(readScript(file), location)) process.stdout.write(`${JSON.stringify(row)}\n`);
}
