/**
 * A small network in one process: a Chain, a contribution pool following it, honest contributors
 * and adversaries submitting for every tip, and a miner building each block from the pool with
 * the real template builder. Everything is seeded (keys, batches, noise), so a run is a pure
 * function of its options on one engine backend.
 */
import type { Block, Contribution } from '../../consensus/types.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import type { Chain } from '../../chain/chain.ts';
import { ContributionPool, type PoolResult } from '../../src/gauntlet/contribution-pool.ts';
import { contribute } from '../../src/contributor/honest.ts';
import { adversaryContribution, type AdversaryKind } from '../../src/contributor/adversaries.ts';
import { buildTemplate } from '../../src/miner/template.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { paramLayout } from '../../trainer/layout.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { referenceLoss } from '../../trainer/reference/index.ts';
import { evalWindows } from '../../trainer/windows.ts';
import { solve, testKeys, type TestKey } from '../util/fixtures.ts';

export interface Training {
  readonly steps: number;
  readonly lr: number;
  readonly batchSize: number;
}

export interface SimulationOptions {
  readonly chain: Chain;
  readonly dataset: Dataset;
  readonly blocks: number;
  readonly honest: number;
  readonly adversaries: readonly AdversaryKind[];
  readonly training: Training;
  /** Inner steps of the stale adversary (its work is filtered out anyway). */
  readonly staleSteps?: number;
}

export interface Participant {
  readonly name: string;
  readonly key: TestKey;
  readonly kind: 'honest' | AdversaryKind;
}

export interface SimulationResult {
  readonly participants: readonly Participant[];
  readonly blocks: readonly Block[];
  /** Base units paid to each participant by name. */
  readonly rewards: ReadonlyMap<string, bigint>;
  readonly paid: bigint;
  /** What the pool said to each participant's submissions, by name ('accept', 'ignore not-for-tip', …). */
  readonly verdicts: ReadonlyMap<string, readonly string[]>;
  /** Mean loss on held-out windows before the first block and after the last. */
  readonly heldOutBefore: number;
  readonly heldOutAfter: number;
}

/** 32 held-out pages spread over the corpus, 4 windows each: text no contributor trains on. */
export function heldOutWindows(dataset: Dataset, contextLength: number): Uint8Array[] {
  const step = Math.max(1, Math.floor(dataset.heldOutPageCount / 32));
  const pages = Array.from({ length: Math.min(32, dataset.heldOutPageCount) }, (_, j) => dataset.heldOutPage(j * step));
  return pages.flatMap((page) => evalWindows(page, contextLength, 4));
}

function verdict(result: PoolResult): string {
  return result.status === 'ignore' ? `ignore ${result.reason}` : result.status === 'reject' ? `reject ${result.code}` : 'accept';
}

export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const { chain, dataset } = opts;
  const params = chain.params;
  const keys = testKeys(8 + opts.honest + opts.adversaries.length + 1);
  const miner = keys[7]!;
  const participants: Participant[] = [
    ...Array.from({ length: opts.honest }, (_, i): Participant => ({ name: `honest-${i}`, key: keys[8 + i]!, kind: 'honest' })),
    ...opts.adversaries.map((kind, i): Participant => ({ name: kind, key: keys[8 + opts.honest + i]!, kind })),
  ];
  const byAddress = new Map(participants.map((p) => [toHexKey(p.key.address), p]));
  const residuals = new Map(participants.map((p) => [p.name, new ErrorFeedback(chain.model().length)]));
  const pool = new ContributionPool(params, chain.tip().hash);
  const stopFollowing = pool.follow(chain);
  const layout = paramLayout(params.model);
  const heldOut = heldOutWindows(dataset, params.model.contextLength);
  const heldOutBefore = referenceLoss(layout, chain.model(), heldOut);
  const rewards = new Map(participants.map((p) => [p.name, 0n]));
  const verdicts = new Map<string, string[]>(participants.map((p) => [p.name, []]));
  const blocks: Block[] = [];
  let previous: { hash: Uint8Array; model: Float32Array } | null = null;
  try {
    for (let b = 0; b < opts.blocks; b++) {
      const tip = chain.tip();
      const model = chain.model();
      const base = { params, dataset, parentHash: tip.hash, model, ...opts.training };
      const submitted: [Participant, Contribution][] = [];
      // Honest work first: a copier can only copy what it has already seen.
      const firstHonest = participants.find((p) => p.kind === 'honest');
      let victim: Contribution | undefined;
      for (const p of participants) {
        const own = { ...base, keyPair: p.key, errorFeedback: residuals.get(p.name)! };
        let contribution: Contribution | null;
        if (p.kind === 'honest') {
          contribution = await contribute(own);
          if (p === firstHonest) victim = contribution;
        } else if (p.kind === 'stale') {
          // Built on the previous tip: arrives after the chain moved on.
          contribution = previous ? await adversaryContribution('stale', { ...own, steps: opts.staleSteps ?? own.steps, staleParent: previous }) : null;
        } else {
          const second = participants.filter((q) => q.kind === 'honest')[1] ?? firstHonest;
          contribution = await adversaryContribution(p.kind, {
            ...own,
            ...(victim ? { victim } : {}),
            ...(second ? { pagesOf: second.key.publicKey } : {}),
          });
        }
        if (contribution) submitted.push([p, contribution]);
      }
      for (const [p, contribution] of submitted) verdicts.get(p.name)!.push(verdict(pool.add(contribution)));
      const template = buildTemplate(params, chain.tipState(), {
        miner: miner.address,
        now: tip.header.timestamp + params.pow.blockTimeSeconds,
        contributions: pool.contributionsFor(tip.hash),
        dataset,
      });
      const block: Block = Object.freeze({ ...template.block, header: solve(template.block.header) });
      previous = { hash: tip.hash, model };
      const added = await chain.addBlock(block);
      if (added.status !== 'connected') throw new Error(`block ${b + 1} was ${added.status}`);
      blocks.push(block);
      for (const entry of block.report) {
        const p = byAddress.get(toHexKey(entry.contributor))!;
        rewards.set(p.name, rewards.get(p.name)! + entry.reward);
      }
    }
  } finally {
    stopFollowing();
  }
  const paid = [...rewards.values()].reduce((sum, r) => sum + r, 0n);
  return { participants, blocks, rewards, paid, verdicts, heldOutBefore, heldOutAfter: referenceLoss(layout, chain.model(), heldOut) };
}

/** A participant's share of everything paid, in per cent. */
export function sharePercent(result: SimulationResult, name: string): number {
  return result.paid === 0n ? 0 : (Number(result.rewards.get(name) ?? 0n) / Number(result.paid)) * 100;
}
