/**
 * The crash harness's script: a deterministic sequence of blocks that grows a chain with transfers
 * (and, in about one block of six, two contributions: one honest, one noise, so that ratings and
 * the model move and have undo data too) and forces every kind of reorganisation: plain switches of depth 1 to 3,
 * forks delivered child first (orphans), forks that fail on an invalid block and fall back, and
 * switches there and back.
 * Stored with script-file.ts, so the child process reads it instead of rebuilding it.
 */
import type { Block, Contribution, Transfer } from '../../consensus/types.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { contribute } from '../../src/contributor/honest.ts';
import { noiseContribution } from '../../src/contributor/adversaries.ts';
import { ErrorFeedback } from '../../trainer/error-feedback.ts';
import { testKeys } from '../util/fixtures.ts';
import { BlockTree, hashOf } from '../util/block-tree.ts';
import type { CrashNetwork } from './network.ts';

export interface CrashScript {
  readonly tree: BlockTree;
  /** In delivery order. */
  readonly blocks: readonly Block[];
}

/** One Adam step of 4 windows: enough for a contribution that is aggregated and moves the model. */
const CRASH_TRAINING = { steps: 1, lr: 3e-3, batchSize: 4 } as const;

export async function buildCrashScript(rounds: number, network: CrashNetwork): Promise<CrashScript> {
  const tree = new BlockTree(network.genesis, network.dataset);
  const params = network.genesis.params;
  const [honest, noisy] = testKeys(10).slice(8);
  const blocks: Block[] = [];
  let mainTip = tree.genesis.hash;

  const contributions = async (parent: Uint8Array): Promise<Contribution[]> => {
    const base = { params, dataset: network.dataset, parentHash: parent, model: tree.modelAt(parent), ...CRASH_TRAINING };
    const errorFeedback = new ErrorFeedback(base.model.length);
    return [await contribute({ ...base, keyPair: honest!, errorFeedback }), noiseContribution({ ...base, keyPair: noisy!, errorFeedback, std: 1e-3 })];
  };

  /** A payment from one funded key to another, with the nonce the branch at `parent` expects. */
  const payment = (parent: Uint8Array, round: number, salt: number): Transfer => {
    const from = (round + salt) % 4;
    const to = 4 + ((round + 2 * salt) % 3);
    const nonce = tree.accountsAt(parent).get(toHexKey(tree.keys[from]!.address))?.nonce ?? 0n;
    return tree.pay(from, to, BigInt(1_000 + round * 10 + salt), BigInt(1 + (salt % 5)), nonce);
  };
  const grow = async (parent: Uint8Array, n: number, round: number, salt: number): Promise<Block[]> => {
    const out: Block[] = [];
    let at = parent;
    for (let i = 0; i < n; i++) {
      const offered = (round + salt + i) % 6 === 0 ? { contributions: await contributions(at) } : {};
      const block = tree.extend(at, { txs: [payment(at, round, salt + i)], ...offered });
      out.push(block);
      at = hashOf(block);
    }
    return out;
  };
  const ancestor = (hash: Uint8Array, depth: number): Uint8Array => {
    let at = hash;
    for (let i = 0; i < depth; i++) at = tree.block(at).header.parentHash;
    return at;
  };

  for (let round = 0; round < rounds; round++) {
    const grown = await grow(mainTip, 2, round, 0);
    blocks.push(...grown);
    mainTip = hashOf(grown[grown.length - 1]!);
    const depth = 1 + (round % 3);
    const base = ancestor(mainTip, depth);
    const kind = round % 4;
    if (kind === 0 || kind === 1) {
      // A heavier fork; in odd rounds delivered child first.
      const fork = await grow(base, depth + 1, round, 7);
      blocks.push(...(kind === 1 ? [...fork].reverse() : fork));
      mainTip = hashOf(fork[fork.length - 1]!);
    } else if (kind === 2) {
      // A heavier fork whose second block breaks a rule (an unpayable transfer): the node tries
      // it, marks it and its descendants, and falls back to the main chain.
      const first = (await grow(base, 1, round, 11))[0]!;
      const nonce = tree.accountsAt(hashOf(first)).get(toHexKey(tree.keys[0]!.address))?.nonce ?? 0n;
      const bad = tree.forge(hashOf(first), [tree.pay(0, 5, 2n ** 62n, 0n, nonce)]);
      const rest = tree.branch(hashOf(bad), depth, { txs: [] });
      blocks.push(first, bad, ...rest);
    } else {
      // There and back: a heavier fork, then the old branch outgrows it.
      const fork = await grow(base, depth + 1, round, 13);
      const back = await grow(mainTip, 2, round, 17);
      blocks.push(...fork, ...back);
      mainTip = hashOf(back[back.length - 1]!);
    }
  }
  return { tree, blocks };
}
