import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectBlockState, type ParentState } from '../../consensus/connect.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { EvaluatorError } from '../../trainer/reference/index.ts';
import { sequentialLossBatch, type LossBatch, type LossJob } from '../../trainer/reference/loss-batch.ts';
import { LossPoolError, LossWorkerPool } from '../../src/verifier/loss-pool.ts';
import { genesisState, stateAfter } from '../util/gauntlet-fixtures.ts';
import { contributionChain } from './contribution-chain.ts';

const { genesis, dataset, blocks } = await contributionChain(2);
const params = genesis.params;
const layout = paramLayout(params.model);

/** Every job the sequential evaluator was asked while connecting the chain, and its answers. */
const asked: { jobs: readonly LossJob[]; losses: Float64Array }[] = [];
const recording: LossBatch = (l, jobs) => {
  const losses = sequentialLossBatch(l, jobs);
  asked.push({ jobs, losses });
  return losses;
};

function connectAll(lossBatch: LossBatch): ParentState[] {
  let parent: ParentState = genesisState(genesis);
  const states = [parent];
  for (const block of blocks) {
    const state = connectBlockState(params, dataset, parent, block, { lossBatch });
    parent = stateAfter(parent, block, state);
    states.push(parent);
  }
  return states;
}

const sequential = connectAll(recording);
const pools: LossWorkerPool[] = [];
after(() => Promise.all(pools.map((p) => p.close())));

function bits(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex');
}

test('the chain under test scores real contributions', () => {
  assert.equal(blocks.length, 2);
  for (const block of blocks) assert.equal(block.contributions.length, 8);
  assert.equal(asked.length, 2);
  assert.ok(asked.every((a) => a.jobs.length === 1 + 3 * 8));
  assert.ok(blocks.some((b) => b.report.some((e) => e.aggregated)), 'some contribution is aggregated');
});

for (const workers of [1, 2, 4]) {
  test(`${workers} worker thread(s) give the sequential losses bit for bit, and connect the same chain`, async () => {
    const pool = await LossWorkerPool.start({ workers });
    pools.push(pool);
    for (const { jobs, losses } of asked) assert.equal(bits(pool.lossBatch(layout, jobs)), bits(losses));
    const pooled = connectAll(pool.lossBatch);
    assert.equal(pooled.length, sequential.length);
    pooled.forEach((state, i) => {
      assert.deepEqual(state.modelHash, sequential[i]!.modelHash);
      assert.deepEqual([...state.ratings], [...sequential[i]!.ratings]);
    });
  });
}

test('the workers alone (the caller idle) give the same bits', async () => {
  const pool = await LossWorkerPool.start({ workers: 2, callerComputes: false });
  pools.push(pool);
  for (const { jobs, losses } of asked) assert.equal(bits(pool.lossBatch(layout, jobs)), bits(losses));
});

test('a job that throws on a worker thread fails the batch with a clear error, and the pool still works', async () => {
  const pool = await LossWorkerPool.start({ workers: 2, callerComputes: false });
  pools.push(pool);
  const { jobs, losses } = asked[0]!;
  const bad: LossJob[] = [...jobs.slice(0, 3), { params: jobs[0]!.params, windows: [new Uint8Array(1)] }, ...jobs.slice(3, 6)];
  assert.throws(
    () => pool.lossBatch(layout, bad),
    (err: unknown) => err instanceof LossPoolError && err.code === 'job-failed' && /loss job 3 failed on verifier thread \d: EvaluatorError: sequence-length/.test(err.message),
  );
  assert.equal(bits(pool.lossBatch(layout, jobs)), bits(losses));
});

test('a job that throws fails the batch with the evaluator\'s reason, whichever thread claimed it', async () => {
  const pool = await LossWorkerPool.start({ workers: 1 });
  pools.push(pool);
  const { jobs, losses } = asked[0]!;
  // The caller and the worker race for the longest job: the caller's failure is the evaluator's own
  // error, a worker's is named with its job and thread. Both must say why.
  const bad: LossJob[] = [...jobs, { params: jobs[0]!.params, windows: [new Uint8Array(100_000)] }];
  for (let round = 0; round < 5; round++) {
    assert.throws(
      () => pool.lossBatch(layout, bad),
      (err: unknown) =>
        (err instanceof EvaluatorError && err.code === 'sequence-length') ||
        (err instanceof LossPoolError && err.code === 'job-failed' && /loss job \d+ failed on verifier thread 0: EvaluatorError: sequence-length/.test(err.message)),
    );
  }
  assert.equal(bits(pool.lossBatch(layout, jobs)), bits(losses));
});

test('a closed pool refuses batches; bad sizes are refused at start', async () => {
  const pool = await LossWorkerPool.start({ workers: 1 });
  await pool.close();
  assert.throws(() => pool.lossBatch(layout, asked[0]!.jobs), (err: unknown) => err instanceof LossPoolError && err.code === 'closed');
  await assert.rejects(LossWorkerPool.start({ workers: 0 }), (err: unknown) => err instanceof LossPoolError && err.code === 'bad-workers');
});
