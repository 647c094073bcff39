/**
 * Determinism of the state transition with the Gauntlet: a chain whose blocks carry honest and
 * adversarial contributions, replayed from its blocks twice in this process and once in each of
 * two other OS processes, gives the same model hash and state root at every height, each equal to
 * what the block's header commits to. The replaying nodes compute these from their own model and
 * state (not from the headers), so any nondeterminism in scoring, ratings, rewards or the outer
 * step would show as a difference, or as a block refused.
 *
 * Eight blocks of five contributions (2 AdamW steps of 4 windows: enough to be aggregated and
 * move every part of the state: ratings up and down, rewards, burns, the model).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../consensus/hash.ts';
import { encodeBlock } from '../../chain/block.ts';
import { headerHash } from '../../chain/header.ts';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { BlockTree, openTestChain, tempDir } from '../util/block-tree.ts';
import { writeScript } from '../util/script-file.ts';
import { brownNetworkDataset, gauntletGenesis, QUICK_TRAINING } from '../util/gauntlet-network.ts';
import { replay, type ReplayRow } from './replay-child.ts';
import { replayInProcess } from './replay-process.ts';
import { simulate } from './simulation.ts';

const root = tempDir('determinism');
after(() => rmSync(root, { recursive: true, force: true }));

test('a chain with contributions replays to the same model hash and state root at every height, in this and in other processes', { timeout: 300_000 }, async () => {
  const g = gauntletGenesis();
  const dataset = await brownNetworkDataset(g);
  await selectBackend('wasm');
  const chain = await openTestChain(new BlockTree(g, dataset), join(root, 'source'));
  let blocks;
  try {
    ({ blocks } = await simulate({ chain, dataset, blocks: 8, honest: 3, adversaries: ['noise', 'poisoner'], training: QUICK_TRAINING }));
  } finally {
    await chain.close();
  }
  const expected: ReplayRow[] = blocks.map((block) => ({
    height: block.header.height,
    hash: toHex(headerHash(block.header)),
    modelHash: toHex(block.header.modelHash),
    stateRoot: toHex(block.header.stateRoot),
  }));
  assert.equal(new Set(expected.map((r) => r.modelHash)).size, 8, 'the model moved in every block');
  assert.ok(blocks.some((b) => b.report.some((e) => e.reward === 0n)) && blocks.some((b) => b.report.some((e) => e.reward > 0n)));

  const file = join(root, 'blocks.bin');
  writeScript(file, blocks);
  const encoded = blocks.map(encodeBlock);
  const [children1, children2] = await Promise.all([replayInProcess(file, join(root, 'child-1')), replayInProcess(file, join(root, 'child-2'))]);
  const first = await replay(encoded, join(root, 'here-1'));
  const second = await replay(encoded, join(root, 'here-2'));
  assert.deepEqual(first, expected);
  assert.deepEqual(second, expected);
  assert.deepEqual(children1, expected);
  assert.deepEqual(children2, expected);
});
