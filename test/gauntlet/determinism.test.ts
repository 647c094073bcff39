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
import { encodeBlock } from '../../chain/block.ts';
import { tempDir } from '../util/block-tree.ts';
import { chainToReplay } from './chain-to-replay.ts';
import { replay } from './replay-child.ts';
import { replayInProcess } from './replay-process.ts';

const root = tempDir('determinism');
after(() => rmSync(root, { recursive: true, force: true }));

test('a chain with contributions replays to the same model hash and state root at every height, in this and in other processes', { timeout: 300_000 }, async () => {
  const { blocks, file, expected } = await chainToReplay(root, 8);
  assert.equal(new Set(expected.map((r) => r.modelHash)).size, 8, 'the model moved in every block');
  assert.ok(blocks.some((b) => b.report.some((e) => e.reward === 0n)) && blocks.some((b) => b.report.some((e) => e.reward > 0n)));

  const encoded = blocks.map(encodeBlock);
  const [children1, children2] = await Promise.all([replayInProcess(file, join(root, 'child-1')), replayInProcess(file, join(root, 'child-2'))]);
  const first = await replay(encoded, join(root, 'here-1'));
  const second = await replay(encoded, join(root, 'here-2'));
  assert.deepEqual(first, expected);
  assert.deepEqual(second, expected);
  assert.deepEqual(children1, expected);
  assert.deepEqual(children2, expected);
});
