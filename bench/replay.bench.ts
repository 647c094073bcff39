/**
 * Replay from genesis: how fast a fresh node connects a chain it downloads, in blocks per second,
 * for empty blocks and for blocks of 8 honest contributions (the testnet's topK), at the testnet's
 * model and Gauntlet settings (genesis.json) with the test network's easy proof of work. Every
 * block is fully validated: header, body, filters, the Gauntlet's scoring, ratings, rewards, the
 * outer step, the state root and the model hash; storage is a fresh LevelDB datadir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Block, Contribution } from '../consensus/types.ts';
import { loadGenesis } from '../chain/genesis.ts';
import { encodeBlock } from '../chain/block.ts';
import { ChainDB } from '../chain/db/chaindb.ts';
import { contribute } from '../src/contributor/honest.ts';
import { selectBackend } from '../trainer/engine/backends.ts';
import { ErrorFeedback } from '../trainer/error-feedback.ts';
import { BlockTree, hashOf, openTestChain } from '../test/util/block-tree.ts';
import { testKeys } from '../test/util/fixtures.ts';
import { brownNetworkDataset, gauntletGenesis } from '../test/util/gauntlet-network.ts';

const EMPTY_BLOCKS = 100;
const CONTRIBUTED_BLOCKS = 12;
const CONTRIBUTIONS = 8;

const round = (x: number): number => Math.round(x * 10) / 10;

export default async (): Promise<Record<string, unknown>> => {
  const testnet = (await loadGenesis()).params;
  const g = gauntletGenesis({ model: testnet.model, modelInitSeed: testnet.modelInitSeed, gauntlet: testnet.gauntlet });
  const dataset = await brownNetworkDataset(g);
  await selectBackend('wasm');
  const tree = new BlockTree(g, dataset);
  const keys = testKeys(8 + CONTRIBUTIONS).slice(8);

  const empty = tree.branch(g.hash, EMPTY_BLOCKS);
  const contributed: Block[] = [];
  let at = hashOf(empty[empty.length - 1]!);
  for (let b = 0; b < CONTRIBUTED_BLOCKS; b++) {
    const model = tree.modelAt(at);
    const contributions: Contribution[] = [];
    for (const keyPair of keys) {
      // One step each: the work of validation does not depend on how long a contributor trained.
      const opts = { params: g.params, dataset, parentHash: at, model, keyPair, errorFeedback: new ErrorFeedback(model.length) };
      contributions.push(await contribute({ ...opts, steps: 1, lr: 3e-3, batchSize: 8 }));
    }
    const block = tree.extend(at, { contributions });
    contributed.push(block);
    at = hashOf(block);
  }
  const aggregated = contributed.reduce((n, b) => n + b.report.filter((e) => e.aggregated).length, 0);

  const root = mkdtempSync(join(tmpdir(), 'gc-replay-bench-'));
  try {
    const chain = await openTestChain(tree, join(root, 'node'));
    let start = performance.now();
    for (const block of empty) await chain.addBlock(encodeBlock(block));
    const emptySeconds = (performance.now() - start) / 1000;
    start = performance.now();
    for (const block of contributed) await chain.addBlock(encodeBlock(block));
    const contributedSeconds = (performance.now() - start) / 1000;
    await chain.close();
    const db = await ChainDB.open(join(root, 'node'));
    let undoBytes = 0;
    for (const block of contributed) undoBytes += (await db.getUndo(hashOf(block)))!.model.indices.length * 8;
    await db.close();
    return {
      parameters: g.model.length,
      emptyBlocks: EMPTY_BLOCKS,
      emptyBlocksPerSecond: round(EMPTY_BLOCKS / emptySeconds),
      contributedBlocks: CONTRIBUTED_BLOCKS,
      contributionsPerBlock: CONTRIBUTIONS,
      aggregatedPerBlock: round(aggregated / CONTRIBUTED_BLOCKS),
      contributedBlocksPerSecond: Math.round((CONTRIBUTED_BLOCKS / contributedSeconds) * 100) / 100,
      msPerContributedBlock: round((contributedSeconds * 1000) / CONTRIBUTED_BLOCKS),
      blockBytes: encodeBlock(contributed[0]!).length,
      modelUndoBytesPerBlock: Math.round(undoBytes / CONTRIBUTED_BLOCKS),
      modelBytes: g.model.length * 4,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};
