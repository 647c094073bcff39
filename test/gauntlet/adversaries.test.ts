/**
 * Thirty blocks of a network with four honest contributors and one of each adversary, every block
 * mined from the contribution pool and connected by a real Chain. The honest contributors must
 * take the contributor rewards and the model must learn.
 *
 * Settings, and why they are enough: 4 AdamW steps of 8 windows per contribution (the testnet
 * recipe is 20 steps) already lower the loss of the young model by a few per cent per block, so
 * honest work scores clearly above 0 and the adversaries' tricks (ascent, ×100, noise, no work)
 * score at or below 0 from the first block; the test genesis' 4 windows per page (testnet: 8)
 * keep scoring at about half a second per block. Whole run: about 2 minutes on 2 cores.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ADVERSARY_KINDS } from '../../src/contributor/adversaries.ts';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { openTestChain, BlockTree, tempDir } from '../util/block-tree.ts';
import { brownNetworkDataset, gauntletGenesis } from '../util/gauntlet-network.ts';
import { sharePercent, simulate } from './simulation.ts';

const root = tempDir('adversaries');
after(() => rmSync(root, { recursive: true, force: true }));

test('30 blocks, 4 honest contributors and every adversary: the honest ones are paid, the model learns', { timeout: 1_800_000 }, async () => {
  const g = gauntletGenesis();
  const dataset = await brownNetworkDataset(g);
  await selectBackend('wasm');
  const chain = await openTestChain(new BlockTree(g, dataset), join(root, 'chain'));
  try {
    const result = await simulate({
      chain,
      dataset,
      blocks: 30,
      honest: 4,
      adversaries: ADVERSARY_KINDS,
      training: { steps: 4, lr: 3e-3, batchSize: 8 },
      staleSteps: 1,
    });
    const shares = new Map(result.participants.map((p) => [p.name, sharePercent(result, p.name)]));
    const honestShare = result.participants.filter((p) => p.kind === 'honest').reduce((sum, p) => sum + shares.get(p.name)!, 0);
    const summary = [...shares].map(([name, share]) => `${name} ${share.toFixed(2)}%`).join(', ');
    process.stdout.write(
      `# adversaries, 30 blocks: honest ${honestShare.toFixed(2)}% of ${result.paid} paid; ${summary}; ` +
        `held-out loss ${result.heldOutBefore.toFixed(4)} -> ${result.heldOutAfter.toFixed(4)}\n`,
    );

    assert.ok(result.paid > 0n);
    assert.ok(honestShare >= 95, `honest contributors took ${honestShare.toFixed(2)}%`);
    // Every honest contributor is paid; how evenly is not a guarantee: with p = 4 the split follows
    // final^4, and honest updates that score ≤ 0 in some blocks (docs/contributors.md) spread the
    // finals (measured 4.45 % to 73.3 % in this run).
    for (const p of result.participants.filter((q) => q.kind === 'honest')) assert.ok(shares.get(p.name)! > 0, `${p.name} is paid`);
    // No adversary beyond 1 %. Training on another contributor's pages is real work that lowers
    // the loss on random pages, and a copy scores what its original scores: the only evidence
    // against them is the own-versus-random indicator, a coin toss for them, whose moving average (α = 0.05) wanders around 0. The weight power p = 4 of
    // the genesis makes its occasional small positive average count for little (with p = 2 it took
    // 1.67 % of this run; see docs/contributors.md).
    for (const kind of ADVERSARY_KINDS) {
      assert.ok(shares.get(kind)! <= 1, `${kind} took ${shares.get(kind)!.toFixed(2)}%`);
    }

    // The copy is held and judged beside its original (the indicator, not arrival, tells them
    // apart); the stale contribution never enters a block.
    assert.ok(result.verdicts.get('copycat')!.every((v) => v === 'accept'));
    assert.ok(result.verdicts.get('stale')!.every((v) => v === 'ignore not-for-tip'));
    assert.equal(result.verdicts.get('stale')!.length, 29);
    for (const block of result.blocks) assert.equal(block.contributions.length, 4 + ADVERSARY_KINDS.length - 1);

    assert.ok(result.heldOutAfter < result.heldOutBefore - 0.5, 'the held-out loss falls');
  } finally {
    await chain.close();
  }
});
