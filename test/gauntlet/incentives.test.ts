/**
 * The incentive suite (DESIGN.md §8): 51 blocks, four honest contributors, and every attack on
 * who is paid and who gets in at once: the three attacking miners (solo under fresh addresses,
 * censoring the best-rated, grinding the random pages) take turns, so each mines a third of the
 * blocks; a swarm of 20 sybil addresses, a spammer with 8 fresh keys per block (each paying a stamp) and a thief racing
 * the first honest contributor send into every block, through the real pool, template and chain.
 *
 * The censor and the grinder also train honestly under their own keys, so what they are paid is
 * held, with the honest contributors', to 95 % of the pool; everyone else's work is junk or someone
 * else's, and each of them is held to 1 %; each honest contributor must be paid more than 1 %.
 * The censor's and the grinder's gains over the blocks they would have built honestly (the
 * censor's block is also built uncensored, the grinder's first draw is its honest one) are
 * measured and printed. The censor's own gain is held to 1 % of what was paid (the normaliser is
 * fixed by the parent state, so leaving someone out moves only scores); no draw of the grinder's
 * may pay it more than the ceiling its parent state fixes (rewards.ts, payCeiling), and its gain
 * is printed beside the sum of those ceilings (docs/protocol.md, Known limits). A second run of the same blocks without
 * any attack is the reference: with every attack the held-out loss must stay within 5 % of it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../trainer/engine/backends.ts';
import { openTestChain, BlockTree, tempDir } from '../util/block-tree.ts';
import { brownNetworkDataset, gauntletGenesis } from '../util/gauntlet-network.ts';
import { incentiveShare, simulateIncentives, type IncentiveOptions, type IncentiveResult } from './incentive-simulation.ts';

const root = tempDir('incentives');
after(() => rmSync(root, { recursive: true, force: true }));

const BLOCKS = Number(process.env["INCENTIVE_BLOCKS"] ?? 51);

/** The held-out loss after the run with every attack, for the comparison with the run without. */
let attackedHeldOut: number | undefined;

/**
 * The suite's network, freshly on disk in `dir`: the test genesis with 12 contributions per block,
 * so that the swarm and the spam (28 junk senders a block) must compete with the 7 working keys for
 * fewer places, and scoring stays affordable, and the testnet's aggregation rule (a share within
 * 0.005 of 0 from a contributor with a record is aggregated; no share that gains less than 0.001
 * on its own pages is). Runs `attack` (or the reference run) and closes it.
 */
async function runSuite(dir: string, attack: boolean, onBlock?: IncentiveOptions['onBlock']): Promise<IncentiveResult> {
  const base = gauntletGenesis();
  const g = gauntletGenesis({ gauntlet: { ...base.params.gauntlet, maxContributions: 12, aggregationTolerance: 0.005, minOwnGain: 0.001 } });
  const dataset = await brownNetworkDataset(g);
  await selectBackend('wasm');
  const chain = await openTestChain(new BlockTree(g, dataset), join(root, dir));
  try {
    return await simulateIncentives({
      chain,
      dataset,
      blocks: BLOCKS,
      training: { steps: 4, lr: 3e-3, batchSize: 8 },
      sybils: 20,
      spamPerBlock: 8,
      grindDraws: 3,
      attack,
      ...(onBlock ? { onBlock } : {}),
    });
  } finally {
    await chain.close();
  }
}

test(`${BLOCKS} blocks of every incentive attack at once: no attacker beyond 1 % of the pool, honest work paid`, { timeout: 3_600_000 }, async () => {
  const started = Date.now();
  const result = await runSuite('chain', true, (height, rewards) => {
    if (height % 10 !== 0) return;
    const line = [...rewards].map(([who, r]) => `${who} ${r}`).join(', ');
    process.stdout.write(`# block ${height}, ${((Date.now() - started) / 1000).toFixed(0)} s: ${line}\n`);
  });
  const share = (who: string): number => incentiveShare(result, who);
  const honestMean = [0, 1, 2, 3].reduce((sum, i) => sum + share(`honest-${i}`), 0) / 4;
  const honestWork = [0, 1, 2, 3].reduce((sum, i) => sum + share(`honest-${i}`), 0) + share('miner-censor') + share('grinder');
  const ofPaid = (units: bigint): string => `${((Number(units) / Number(result.paid)) * 100).toFixed(2)}% of paid`;
  const summary = [...result.rewards.keys()].sort().map((who) => `${who} ${share(who).toFixed(2)}%`).join(', ');
  process.stdout.write(
    `# incentives, ${BLOCKS} blocks in ${((Date.now() - started) / 1000).toFixed(0)} s: paid ${result.paid}, burned ${result.burned}; ${summary}; ` +
      `grinder: ${result.grind.blocks} blocks (${result.grind.scored} with its contribution), best-of-draws score gain ${result.grind.meanScoreGain.toExponential(2)}, reward gain ${ofPaid(result.grind.rewardGain)}, ceiling over its blocks ${ofPaid(result.grind.ceiling)}; ` +
      `censor: ${result.censorship.blocks} blocks, its gain ${ofPaid(result.censorship.censorGain)}, the most a kept contributor gained ${ofPaid(result.censorship.keptGain)}; ` +
      `honest mean ${honestMean.toFixed(2)}%; ` +
      `held-out loss ${result.heldOutBefore.toFixed(4)} -> ${result.heldOutAfter.toFixed(4)}\n`,
  );

  for (const miner of ['miner-solo', 'miner-censor', 'grinder']) assert.ok(result.mined.get(miner)! >= BLOCKS / 3, `${miner} mined a third of the blocks`);
  assert.ok(result.paid > 0n);
  assert.ok(honestWork >= 95, `honest work took ${honestWork.toFixed(2)}%`);
  // Each honest contributor is paid a real share: admission reserves places for the least-played
  // rated contributors, so one whose first shares scored ≤ 0 is played again (value.ts).
  for (let i = 0; i < 4; i++) assert.ok(share(`honest-${i}`) > 1, `honest-${i} took ${share(`honest-${i}`).toFixed(2)}%`);
  for (const who of ['miner-solo', 'sybil', 'spammer', 'thief']) assert.ok(share(who) <= 1, `${who} took ${share(who).toFixed(2)}%`);
  // Grinding is bounded by the parent state: no draw paid the grinder more than its ceiling.
  assert.equal(result.grind.overCeiling, 0, 'a draw paid the grinder more than its parent state allows');
  const censorGain = (Number(result.censorship.censorGain) / Number(result.paid)) * 100;
  assert.ok(censorGain <= 1, `the censor gained ${censorGain.toFixed(2)}% of what was paid by censoring`);
  assert.ok(result.heldOutAfter < result.heldOutBefore - 0.5, 'the held-out loss falls');
  attackedHeldOut = result.heldOutAfter;
});

test(`${BLOCKS} blocks without attacks: the attacked run's held-out loss is within 5 % of this one`, { timeout: 3_600_000 }, async () => {
  assert.ok(attackedHeldOut !== undefined, 'the attacked run finished');
  const result = await runSuite('reference', false);
  const ratio = attackedHeldOut / result.heldOutAfter;
  process.stdout.write(`# without attacks: held-out loss ${result.heldOutBefore.toFixed(4)} -> ${result.heldOutAfter.toFixed(4)}; attacked ÷ reference ${ratio.toFixed(4)}\n`);
  assert.ok(ratio <= 1.05, `with every attack the held-out loss is ${ratio.toFixed(4)} × the run without attacks`);
});
