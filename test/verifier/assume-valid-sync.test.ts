/**
 * Assume-valid over the real network: a node that joins late syncs a chain of scored contributions
 * from a peer over libp2p on loopback, with a checkpoint below the tip. Its syncer hands the
 * checked headers to the chain, so the blocks up to the checkpoint are connected with their
 * reports' scores and only the one above it is evaluated; its progress line says so; and it ends
 * in the peer's state.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { headerHash } from '../../chain/header.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { sequentialLossBatch, type LossBatch } from '../../trainer/reference/loss-batch.ts';
import type { ProgressReport } from '../../src/p2p/sync-progress.ts';
import { BlockTree } from '../util/block-tree.ts';
import { connect, feed, Harness, sameTip, waitFor } from '../util/p2p-harness.ts';
import { contributionChain } from './contribution-chain.ts';

const harness = new Harness();
after(() => harness.close());

const { genesis, dataset, blocks } = await contributionChain(4);
const tree = new BlockTree(genesis, dataset);

test('a late node syncs with a checkpoint: scores trusted below it, evaluated above, the same state', { timeout: 120_000 }, async () => {
  const source = await harness.node(tree, 'source');
  await feed(source, blocks);
  let evaluated = 0;
  const lossBatch: LossBatch = (layout, jobs) => {
    evaluated += 1;
    return sequentialLossBatch(layout, jobs);
  };
  const late = await harness.node(tree, 'late', {}, { lossBatch, assumeValid: headerHash(blocks[2]!.header) });
  const reports: ProgressReport[] = [];
  late.net.on('sync:progress', (report) => reports.push(report));
  await connect(late, source);
  await waitFor(() => sameTip(late, source), 'the late node to reach the tip', 90_000);
  assert.equal(evaluated, 1, 'only block 4, above the checkpoint, was scored');
  assert.ok(reports.length > 0 && reports[0]!.scoring === 'assume-valid', JSON.stringify(reports.map((r) => r.line)));
  assert.match(reports[0]!.line, / scoring=assume-valid$/);
  assert.equal(late.chain.scoringMode(), 'full');
  assert.deepEqual(modelHash(late.chain.model()), modelHash(source.chain.model()));
  assert.deepEqual([...late.chain.tipState().ratings], [...source.chain.tipState().ratings]);
  assert.deepEqual(late.chain.tip().header.stateRoot, source.chain.tip().header.stateRoot);
});
