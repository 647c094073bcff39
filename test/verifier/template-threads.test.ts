/**
 * The miner's template thread with its own verifier threads builds the same block, bit for bit, as
 * the sequential builder in this thread.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBlock } from '../../chain/block.ts';
import { datasetSource } from '../../src/gauntlet/dataset.ts';
import { buildTemplate } from '../../src/miner/template.ts';
import { TemplateWorker } from '../../src/miner/template-worker.ts';
import { genesisParent } from '../util/fixtures.ts';
import { contributionChain } from './contribution-chain.ts';

const { genesis, dataset, blocks } = await contributionChain(1);
const worker = new TemplateWorker(datasetSource(genesis.params), 3);
after(() => worker.close());

test('a template scored on 3 threads equals the one built in this thread', { timeout: 120_000 }, async () => {
  const parent = genesisParent(genesis);
  const options = { miner: blocks[0]!.header.minerAddress, now: blocks[0]!.header.timestamp, contributions: blocks[0]!.contributions };
  const here = buildTemplate(genesis.params, parent, { ...options, dataset });
  const threaded = await worker.build(genesis.params, parent, options);
  assert.equal(worker.verifyThreads, 3);
  assert.equal(here.block.contributions.length, 8);
  assert.deepEqual(encodeBlock(threaded.block), encodeBlock(here.block));
  assert.deepEqual(threaded.block.report, blocks[0]!.report);
});
