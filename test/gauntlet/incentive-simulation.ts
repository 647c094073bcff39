/**
 * The incentive attacks of DESIGN.md §8 on one simulated network: four honest contributors, and
 * block producers and contributors who attack who is paid and who gets in. Every block is built
 * by the real template builder from a real contribution pool (which ranks and evicts by value)
 * and connected by a real Chain. The three attacking miners take turns, so each mines a third of
 * the blocks; the swarm, the spammer and the thief send in every block. Seeded throughout: a run
 * is a pure function of its options on one engine backend.
 */
import type { Block, Contribution } from '../../consensus/types.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { NEW_RATING, finalScore } from '../../consensus/gauntlet/state.ts';
import { networkRecordOf } from '../../consensus/gauntlet/network-record.ts';
import { payCeiling } from '../../consensus/gauntlet/rewards.ts';
import { addressHash } from '../../consensus/address.ts';
import type { Chain } from '../../chain/chain.ts';
import { ContributionPool } from '../../src/gauntlet/contribution-pool.ts';
import { contribute } from '../../src/contributor/honest.ts';
import { censoredOffer, freshKey, grindVariants, swarmContributions, thiefContribution } from '../../src/contributor/incentive-adversaries.ts';
import { buildTemplate, type Template } from '../../src/miner/template.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { paramLayout } from '../../trainer/layout.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { referenceLoss } from '../../trainer/reference/index.ts';
import { solve, testKeys, type TestKey } from '../util/fixtures.ts';
import { heldOutWindows, type Training } from './simulation.ts';

export interface IncentiveOptions {
  readonly chain: Chain;
  readonly dataset: Dataset;
  readonly blocks: number;
  readonly training: Training;
  /** Junk senders of the swarm (fixed addresses) and one-use spam keys per block. */
  readonly sybils: number;
  readonly spamPerBlock: number;
  /** Stamps the grinder tries per block it mines. */
  readonly grindDraws: number;
  /** false: every attacker behaves (the reference run). */
  readonly attack: boolean;
  /** Called after each block (progress lines for long runs). */
  readonly onBlock?: (height: number, rewards: ReadonlyMap<string, bigint>) => void;
}

/** Who a payment went to: honest-0…3, censor and grinder (keys that also do honest work), and the rest. */
export type Payee = string;

export interface IncentiveResult {
  readonly blocks: readonly Block[];
  readonly rewards: ReadonlyMap<Payee, bigint>;
  readonly paid: bigint;
  readonly burned: bigint;
  /** Blocks each miner produced. */
  readonly mined: ReadonlyMap<string, number>;
  /**
   * Over the grinder's blocks: those in which its own contribution was scored, its best draw's
   * score minus its first draw's (mean over those), and its reward gain.
   */
  readonly grind: {
    readonly blocks: number;
    readonly scored: number;
    readonly meanScoreGain: number;
    readonly rewardGain: bigint;
    /** Σ over its blocks after the cold start of the most any draw could pay it (payCeiling). */
    readonly ceiling: bigint;
    /** Draws that paid it more than that: the bound says none. */
    readonly overCeiling: number;
  };
  /**
   * Over the censor's blocks, against the block it would have built without censoring: what the
   * censor gained, and the most any contributor it kept gained (both base units, summed).
   */
  readonly censorship: { readonly blocks: number; readonly censorGain: bigint; readonly keptGain: bigint };
  readonly heldOutBefore: number;
  readonly heldOutAfter: number;
}

const MINERS = ['miner-solo', 'miner-censor', 'grinder'] as const;

/** Extra stamp bits an honest worker pays while it has no final (16 times a minimum stamp's work). */
export const NEWCOMER_STAMP_BITS = 4;

export async function simulateIncentives(opts: IncentiveOptions): Promise<IncentiveResult> {
  const { chain, dataset } = opts;
  const params = chain.params;
  const keys = testKeys(16);
  const honest: { name: string; key: TestKey }[] = [0, 1, 2, 3].map((i) => ({ name: `honest-${i}`, key: keys[8 + i]! }));
  const censor = { name: 'miner-censor', key: keys[12]! };
  const grinder = { name: 'grinder', key: keys[13]! };
  const thief = { name: 'thief', key: keys[14]! };
  const workers = [...honest, censor, grinder];
  const payees = new Map<string, Payee>(workers.map((w) => [toHexKey(w.key.address), w.name]));
  payees.set(toHexKey(thief.key.address), 'thief');
  const residuals = new Map(workers.map((w) => [w.name, new ErrorFeedback(chain.model().length)]));
  const pool = new ContributionPool(params, chain.tip().hash, { ratings: () => chain.ratings() });
  const stopFollowing = pool.follow(chain);
  const layout = paramLayout(params.model);
  const heldOut = heldOutWindows(dataset, params.model.contextLength);
  const heldOutBefore = referenceLoss(layout, chain.model(), heldOut);
  const rewards = new Map<Payee, bigint>();
  const mined = new Map<string, number>();
  const blocks: Block[] = [];
  let burned = 0n;
  let grindBlocks = 0;
  let grindScoreGain = 0;
  let grindScored = 0;
  let grindRewardGain = 0n;
  let grindCeiling = 0n;
  let grindOverCeiling = 0;
  let censorBlocks = 0;
  let censorGain = 0n;
  let keptGain = 0n;
  const sybilKeys = new Set(Array.from({ length: opts.sybils }, (_, i) => toHexKey(addressHash(freshKey(`sybil-${i}`).publicKey))));
  const soloKeys = new Set<string>();
  const payeeOf = (address: Uint8Array): Payee => {
    const key = toHexKey(address);
    return payees.get(key) ?? (sybilKeys.has(key) ? 'sybil' : soloKeys.has(key) ? 'miner-solo' : 'spammer');
  };
  try {
    for (let b = 0; b < opts.blocks; b++) {
      const tip = chain.tip();
      const model = chain.model();
      const base = { params, dataset, parentHash: tip.hash, model, ...opts.training };
      const own = new Map<string, Contribution>();
      // A worker without a final yet pays NEWCOMER_STAMP_BITS more stamp work, as a newcomer facing
      // spam would: among newcomers the pool and template prefer more work, and spam pays per key.
      const ratings = chain.ratings();
      for (const w of workers) {
        const proven = finalScore(ratings.get(toHexKey(w.key.address)) ?? NEW_RATING) > 0;
        const stampBits = params.gauntlet.stampBits + (proven ? 0 : NEWCOMER_STAMP_BITS);
        own.set(w.name, await contribute({ ...base, keyPair: w.key, errorFeedback: residuals.get(w.name)!, stampBits }));
      }
      const noise = { ...base, errorFeedback: new ErrorFeedback(model.length) };
      // Spam and the swarm first, to fill the pool before anyone who trains; the thief races its victim.
      const first: Contribution[] = opts.attack
        ? [
            ...swarmContributions(noise, `spam-${b}`, opts.spamPerBlock),
            ...swarmContributions(noise, 'sybil', opts.sybils),
            thiefContribution({ ...noise, keyPair: thief.key, victim: own.get('honest-0')! }),
          ]
        : [];
      for (const c of [...first, ...own.values()]) pool.add(c);

      const minerName = MINERS[b % MINERS.length]!;
      const minerKey = minerName === 'miner-censor' ? censor.key : minerName === 'grinder' ? grinder.key : keys[7]!;
      mined.set(minerName, (mined.get(minerName) ?? 0) + 1);
      const offered = pool.contributionsFor(tip.hash);
      const build = (contributions: readonly Contribution[]): Template =>
        buildTemplate(params, chain.tipState(), {
          miner: minerKey.address,
          now: tip.header.timestamp + params.pow.blockTimeSeconds,
          contributions,
          dataset,
        });
      let template: Template;
      if (!opts.attack) {
        template = build(offered);
      } else if (minerName === 'miner-solo') {
        // Its own work only, under an address never seen before.
        const key = freshKey(`solo-${b}`);
        soloKeys.add(toHexKey(addressHash(key.publicKey)));
        template = build([await contribute({ ...base, keyPair: key, errorFeedback: new ErrorFeedback(model.length) })]);
      } else if (minerName === 'miner-censor') {
        template = build(censoredOffer(offered, chain.ratings(), censor.key.address));
        const fair = new Map(build(offered).block.report.map((e) => [toHexKey(e.contributor), e.reward]));
        let most = 0n;
        for (const e of template.block.report) {
          const gain = e.reward - (fair.get(toHexKey(e.contributor)) ?? 0n);
          if (toHexKey(e.contributor) === toHexKey(censor.key.address)) censorGain += gain;
          if (gain > most) most = gain;
        }
        censorBlocks++;
        keptGain += most;
      } else {
        const mine = own.get('grinder')!;
        const others = offered.filter((c) => c !== mine);
        const drawn = grindVariants(params, mine, opts.grindDraws).map((variant) => {
          const t = build([...others, variant]);
          const entry = t.block.report.find((e) => toHexKey(e.contributor) === toHexKey(grinder.key.address));
          return { t, reward: entry?.reward ?? 0n, score: entry?.score ?? -Infinity };
        });
        const best = drawn.reduce((a, d) => (d.reward > a.reward || (d.reward === a.reward && d.score > a.score) ? d : a));
        grindBlocks++;
        // The bound: no draw pays it more than its parent state fixes (rewards.ts, payCeiling).
        const record = networkRecordOf(ratings);
        const rating = ratings.get(toHexKey(grinder.key.address)) ?? NEW_RATING;
        const pool = drawn[0]!.t.state.paid + drawn[0]!.t.state.burned;
        const ceiling = payCeiling(params.gauntlet, record, finalScore(rating), rating.contributions, pool);
        if (ceiling !== null) {
          grindCeiling += ceiling;
          for (const d of drawn) if (d.reward > ceiling) grindOverCeiling++;
        }
        // Its contribution may not be in its own block (admission is the pool's and template's order).
        if (Number.isFinite(best.score) && Number.isFinite(drawn[0]!.score)) {
          grindScored++;
          grindScoreGain += best.score - drawn[0]!.score;
        }
        grindRewardGain += best.reward - drawn[0]!.reward;
        template = best.t;
      }
      const block: Block = Object.freeze({ ...template.block, header: solve(template.block.header) });
      const added = await chain.addBlock(block);
      if (added.status !== 'connected') throw new Error(`block ${b + 1} was ${added.status}`);
      blocks.push(block);
      burned += template.state.burned;
      for (const entry of block.report) {
        if (entry.reward === 0n) continue;
        const who = payeeOf(entry.contributor);
        rewards.set(who, (rewards.get(who) ?? 0n) + entry.reward);
      }
      opts.onBlock?.(b + 1, rewards);
    }
  } finally {
    stopFollowing();
  }
  const paid = [...rewards.values()].reduce((sum, r) => sum + r, 0n);
  return {
    blocks,
    rewards,
    paid,
    burned,
    mined,
    grind: { blocks: grindBlocks, scored: grindScored, meanScoreGain: grindScored === 0 ? 0 : grindScoreGain / grindScored, rewardGain: grindRewardGain, ceiling: grindCeiling, overCeiling: grindOverCeiling },
    censorship: { blocks: censorBlocks, censorGain, keptGain },
    heldOutBefore,
    heldOutAfter: referenceLoss(layout, chain.model(), heldOut),
  };
}

/** A payee's share of everything paid, in per cent. */
export function incentiveShare(result: IncentiveResult, payee: Payee): number {
  return result.paid === 0n ? 0 : (Number(result.rewards.get(payee) ?? 0n) / Number(result.paid)) * 100;
}
