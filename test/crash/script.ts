/**
 * The crash harness's script: a deterministic sequence of blocks that grows a chain with transfers
 * and forces every kind of reorganisation: plain switches of depth 1 to 3, forks delivered child
 * first (orphans), forks that fail on an invalid block and fall back, and switches there and back.
 * Stored as one canonical msgpack list of encoded blocks, so the child process reads it instead of
 * rebuilding it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Block, Transfer } from '../../consensus/types.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { encodeBlock } from '../../chain/block.ts';
import { decode, encode } from '../../chain/encoding.ts';
import { readList, readBytes } from '../../chain/fields.ts';
import { BlockTree, hashOf } from './block-tree.ts';

export interface CrashScript {
  readonly tree: BlockTree;
  /** In delivery order. */
  readonly blocks: readonly Block[];
}

export function buildCrashScript(rounds: number): CrashScript {
  const tree = new BlockTree();
  const blocks: Block[] = [];
  let mainTip = tree.genesis.hash;

  /** A payment from one funded key to another, with the nonce the branch at `parent` expects. */
  const payment = (parent: Uint8Array, round: number, salt: number): Transfer => {
    const from = (round + salt) % 4;
    const to = 4 + ((round + 2 * salt) % 3);
    const nonce = tree.accountsAt(parent).get(toHexKey(tree.keys[from]!.address))?.nonce ?? 0n;
    return tree.pay(from, to, BigInt(1_000 + round * 10 + salt), BigInt(1 + (salt % 5)), nonce);
  };
  const grow = (parent: Uint8Array, n: number, round: number, salt: number): Block[] => {
    const out: Block[] = [];
    let at = parent;
    for (let i = 0; i < n; i++) {
      const block = tree.extend(at, { txs: [payment(at, round, salt + i)] });
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
    const grown = grow(mainTip, 2, round, 0);
    blocks.push(...grown);
    mainTip = hashOf(grown[grown.length - 1]!);
    const depth = 1 + (round % 3);
    const base = ancestor(mainTip, depth);
    const kind = round % 4;
    if (kind === 0 || kind === 1) {
      // A heavier fork; in odd rounds delivered child first.
      const fork = grow(base, depth + 1, round, 7);
      blocks.push(...(kind === 1 ? [...fork].reverse() : fork));
      mainTip = hashOf(fork[fork.length - 1]!);
    } else if (kind === 2) {
      // A heavier fork whose second block breaks a rule (an unpayable transfer): the node tries
      // it, marks it and its descendants, and falls back to the main chain.
      const first = grow(base, 1, round, 11)[0]!;
      const nonce = tree.accountsAt(hashOf(first)).get(toHexKey(tree.keys[0]!.address))?.nonce ?? 0n;
      const bad = tree.forge(hashOf(first), [tree.pay(0, 5, 2n ** 62n, 0n, nonce)]);
      const rest = tree.branch(hashOf(bad), depth, { txs: [] });
      blocks.push(first, bad, ...rest);
    } else {
      // There and back: a heavier fork, then the old branch outgrows it.
      const fork = grow(base, depth + 1, round, 13);
      const back = grow(mainTip, 2, round, 17);
      blocks.push(...fork, ...back);
      mainTip = hashOf(back[back.length - 1]!);
    }
  }
  return { tree, blocks };
}

export function writeScript(path: string, blocks: readonly Block[]): void {
  writeFileSync(path, encode(blocks.map(encodeBlock)));
}

export function readScript(path: string): Uint8Array[] {
  const list = readList(decode(new Uint8Array(readFileSync(path)), Number.MAX_SAFE_INTEGER, 'script'), 1_000_000, 'script');
  return list.map((v, i) => readBytes(v, `script[${i}]`));
}
