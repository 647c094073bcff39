/**
 * The chain the replay tests (determinism.test.ts, cross-version.test.ts) replay elsewhere: blocks
 * carrying honest and adversarial contributions, built on a fresh Gauntlet test chain and written
 * as a block script for child processes, with the row each block's header commits to, which every
 * replay must reproduce.
 */
import { join } from 'node:path';
import type { Block } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { headerHash } from '../../chain/header.ts';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { BlockTree, openTestChain } from '../util/block-tree.ts';
import { brownNetworkDataset, gauntletGenesis, QUICK_TRAINING } from '../util/gauntlet-network.ts';
import { writeScript } from '../util/script-file.ts';
import type { ReplayRow } from './replay-child.ts';
import { simulate } from './simulation.ts';

export interface ChainToReplay {
  readonly blocks: readonly Block[];
  /** The block script (test/util/script-file.ts) that child processes replay. */
  readonly file: string;
  /** Per block: its height and hash, and the model hash and state root its header commits to. */
  readonly expected: ReplayRow[];
}

/**
 * `count` blocks of five contributions each (three honest contributors, a noise and a poisoner
 * adversary), built in `root`/source and written to `root`/blocks.bin.
 */
export async function chainToReplay(root: string, count: number): Promise<ChainToReplay> {
  const g = gauntletGenesis();
  const dataset = await brownNetworkDataset(g);
  await selectBackend('wasm');
  const chain = await openTestChain(new BlockTree(g, dataset), join(root, 'source'));
  let blocks;
  try {
    ({ blocks } = await simulate({ chain, dataset, blocks: count, honest: 3, adversaries: ['noise', 'poisoner'], training: QUICK_TRAINING }));
  } finally {
    await chain.close();
  }
  const expected: ReplayRow[] = blocks.map((block) => ({
    height: block.header.height,
    hash: toHex(headerHash(block.header)),
    modelHash: toHex(block.header.modelHash),
    stateRoot: toHex(block.header.stateRoot),
  }));
  const file = join(root, 'blocks.bin');
  writeScript(file, blocks);
  return { blocks, file, expected };
}
