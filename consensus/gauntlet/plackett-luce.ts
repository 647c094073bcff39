/**
 * The Plackett-Luce rating update of Weng and Lin ("A Bayesian Approximation Method for Online
 * Ranking", JMLR 2011, algorithm 4), as the openskill package computes it for one-player teams
 * with its default constants, in arithmetic every node reproduces bit for bit: +, −, ×, ÷ and
 * sqrt (correctly rounded by IEEE 754) and the project's own exp, every sum in one fixed order.
 *
 * Players are ranked by score, highest first; equal scores share a rank. Before the update each
 * sigma is widened by tau (sigma² + tau²), which keeps a long-standing rating able to move.
 * The players are processed in rank order, ties in the order given, so the caller's order
 * (contributor address) fixes every summation.
 */
import { exp } from '../../trainer/reference/math.ts';

export interface SkillRating {
  readonly mu: number;
  readonly sigma: number;
}

/** Performance spread beta (openskill: 25/6). */
export const PL_BETA = 25 / 6;
/** Additive dynamics tau (openskill: 25/300). */
export const PL_TAU = 25 / 300;
/** Floor of the sigma shrink factor (openskill: 1e-4), so that sigma never reaches 0. */
export const PL_KAPPA = 1e-4;

/** Player indices by score, highest first, ties in index order. */
export function rankOrder(scores: readonly number[]): number[] {
  return scores
    .map((_, i) => i)
    .sort((a, b) => {
      const sa = scores[a]!;
      const sb = scores[b]!;
      return sa > sb ? -1 : sa < sb ? 1 : a - b;
    });
}

/**
 * New ratings after one game, in the order of `players`. With fewer than two players there is no
 * ranking to learn from and the ratings come back unchanged.
 */
export function plackettLuce(players: readonly SkillRating[], scores: readonly number[]): SkillRating[] {
  const n = players.length;
  if (scores.length !== n) throw new RangeError(`${n} players but ${scores.length} scores`);
  for (const s of scores) if (!Number.isFinite(s)) throw new RangeError(`scores must be finite, got ${s}`);
  if (n < 2) return players.map((p) => ({ mu: p.mu, sigma: p.sigma }));

  const order = rankOrder(scores);
  const mu = order.map((i) => players[i]!.mu);
  const tauSq = PL_TAU * PL_TAU;
  const sigma = order.map((i) => Math.sqrt(players[i]!.sigma * players[i]!.sigma + tauSq));
  const sigmaSq = sigma.map((s) => s * s);
  // rank[k]: position of the first player of k's tie group.
  const rank: number[] = [0];
  for (let k = 1; k < n; k++) rank.push(scores[order[k - 1]!]! > scores[order[k]!]! ? k : rank[k - 1]!);

  let spread = 0;
  for (let k = 0; k < n; k++) spread += sigmaSq[k]! + PL_BETA * PL_BETA;
  const c = Math.sqrt(spread);
  const strength = mu.map((m) => exp(m / c));
  // sumQ[q]: total strength of the players ranked at or below q; tied[q]: size of q's tie group.
  const sumQ: number[] = [];
  const tied: number[] = [];
  for (let q = 0; q < n; q++) {
    let s = 0;
    let t = 0;
    for (let i = 0; i < n; i++) {
      if (rank[i]! >= rank[q]!) s += strength[i]!;
      if (rank[i]! === rank[q]!) t += 1;
    }
    sumQ.push(s);
    tied.push(t);
  }

  const out: SkillRating[] = new Array<SkillRating>(n);
  for (let i = 0; i < n; i++) {
    let omega = 0;
    let delta = 0;
    for (let q = 0; q < n; q++) {
      if (rank[q]! > rank[i]!) continue;
      const quotient = strength[i]! / sumQ[q]!;
      omega += (i === q ? 1 - quotient : -quotient) / tied[q]!;
      delta += (quotient * (1 - quotient)) / tied[q]!;
    }
    const gamma = Math.sqrt(sigmaSq[i]!) / c;
    const omegaI = omega * (sigmaSq[i]! / c);
    const deltaI = delta * (sigmaSq[i]! / (c * c)) * gamma;
    const shrink = 1 - deltaI;
    out[order[i]!] = {
      mu: mu[i]! + omegaI,
      sigma: sigma[i]! * Math.sqrt(shrink > PL_KAPPA ? shrink : PL_KAPPA),
    };
  }
  return out;
}
