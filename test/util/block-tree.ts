/**
 * Deterministic block trees for chain tests: build any branch on any known block with the real
 * rules (test/util/fixtures.ts), and know the accounts after every block without a Chain. This is
 * the reference the chain is compared with: the state a block leads to is a function of its
 * ancestry alone, whatever the order blocks arrived in or how often a node crashed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account, Block, Contribution, Transfer } from '../../consensus/types.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { Chain, type ChainOptions } from '../../chain/chain.ts';
import type { ChainParams } from '../../consensus/params.ts';
import { toHex } from '../../consensus/hash.ts';
import { headerHash } from '../../chain/header.ts';
import { TEST_NOW } from './clock.ts';
import type { Genesis } from '../../chain/genesis.ts';
import { HEADER_VERSION } from '../../consensus/params.ts';
import { expectedBits } from '../../consensus/header-rules.ts';
import { contributionsRoot, reportRoot, txRoot } from '../../consensus/ids.ts';
import {
  buildBlockWithState,
  childFromState,
  genesisParent,
  solve,
  testGenesis,
  testKeys,
  transfer,
  type BuildParent,
  type TestKey,
} from './fixtures.ts';

export interface ExtendOptions {
  readonly txs?: readonly Transfer[];
  readonly miner?: Uint8Array;
  readonly timestamp?: number;
  /** Built on the block extended; needs the tree's dataset. */
  readonly contributions?: readonly Contribution[];
}


export class BlockTree {
  readonly genesis: Genesis;
  readonly params: ChainParams;
  readonly keys: readonly TestKey[];
  /** For blocks with contributions (the genesis must name its corpus). */
  readonly dataset: Dataset | undefined;
  readonly #nodes = new Map<string, BuildParent>();
  readonly #blocks = new Map<string, Block>();
  #built = 0;

  constructor(genesis: Genesis = testGenesis(), dataset?: Dataset) {
    this.genesis = genesis;
    this.params = genesis.params;
    this.dataset = dataset;
    this.keys = testKeys(8);
    this.#nodes.set(toHex(genesis.hash), genesisParent(genesis));
  }

  /** A new block on `parent`; every call yields a distinct block (nonce searches start apart). */
  extend(parent: Uint8Array, opts: ExtendOptions = {}): Block {
    const context = this.context(parent);
    const nonceStart = BigInt(this.#built++) << 32n;
    const { block, state } = buildBlockWithState(this.params, context, {
      miner: opts.miner ?? this.keys[7]!.address,
      nonceStart,
      ...(opts.txs ? { txs: opts.txs } : {}),
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
      ...(opts.contributions ? { contributions: opts.contributions } : {}),
      ...(this.dataset ? { dataset: this.dataset } : {}),
    });
    // The header changed (solved) but not the content: the state is the block's.
    const child = childFromState(context, block, state);
    this.#nodes.set(toHex(child.hash), child);
    this.#blocks.set(toHex(child.hash), block);
    return block;
  }

  /** `n` blocks in a row on `parent`. */
  branch(parent: Uint8Array, n: number, opts: ExtendOptions = {}): Block[] {
    const out: Block[] = [];
    let at = parent;
    for (let i = 0; i < n; i++) {
      const block = this.extend(at, opts);
      out.push(block);
      at = headerHash(block.header);
    }
    return out;
  }

  /**
   * A block on `parent` that passes the header and body rules but not the state rules: its
   * transfers are not applied (they may be unpayable or replayed) and its state root is the
   * parent's. Children can be built on it; their state is taken to be the parent's.
   */
  forge(parent: Uint8Array, txs: readonly Transfer[], opts: { readonly timestamp?: number } = {}): Block {
    const context = this.context(parent);
    const body = { txs: [...txs], contributions: [], report: [] };
    const header = solve(
      {
        version: HEADER_VERSION,
        height: context.header.height + 1,
        parentHash: context.hash,
        timestamp: opts.timestamp ?? context.header.timestamp + this.params.pow.blockTimeSeconds,
        bits: expectedBits(this.params, context.header, context.anchorTimestamp),
        nonce: 0n,
        minerAddress: this.keys[6]!.address,
        txRoot: txRoot(body),
        contributionsRoot: contributionsRoot(body),
        reportRoot: reportRoot(body),
        stateRoot: context.header.stateRoot,
        modelHash: context.header.modelHash,
      },
      BigInt(this.#built++) << 32n,
    );
    const block: Block = Object.freeze({ header, ...body });
    this.adopt(block, context.accounts);
    return block;
  }

  /**
   * Records a block built elsewhere (for example one made invalid on purpose) so that children
   * can be built on it; its state is what the rules give, without checking the state root. Its
   * ratings and model are taken to be the parent's.
   */
  adopt(block: Block, state: ReadonlyMap<string, Account>): void {
    const parent = this.context(block.header.parentHash);
    const hash = headerHash(block.header);
    this.#nodes.set(toHex(hash), {
      hash,
      header: block.header,
      recentTimestamps: [...parent.recentTimestamps, block.header.timestamp].slice(-11),
      anchorTimestamp: block.header.height === 1 ? block.header.timestamp : parent.anchorTimestamp,
      accounts: state,
      ratings: parent.ratings,
      model: parent.model,
    });
    this.#blocks.set(toHex(hash), block);
  }

  context(hash: Uint8Array): BuildParent {
    const node = this.#nodes.get(toHex(hash));
    if (!node) throw new Error(`block ${toHex(hash)} is not in the tree`);
    return node;
  }

  /** The accounts after `hash` (the reference state). */
  accountsAt(hash: Uint8Array): ReadonlyMap<string, Account> {
    return this.context(hash).accounts;
  }

  /** The ratings after `hash`. */
  ratingsAt(hash: Uint8Array): ReadonlyMap<string, Rating> {
    return this.context(hash).ratings;
  }

  /** The model after `hash`. */
  modelAt(hash: Uint8Array): Float32Array {
    return this.context(hash).model;
  }

  block(hash: Uint8Array): Block {
    const block = this.#blocks.get(toHex(hash));
    if (!block) throw new Error(`block ${toHex(hash)} is not in the tree`);
    return block;
  }

  /** A signed transfer from test key `from` to test key `to`. */
  pay(from: number, to: number, amount: bigint, fee: bigint, nonce: bigint): Transfer {
    return transfer(this.params, this.keys[from]!, this.keys[to]!.address, amount, fee, nonce);
  }
}

export function hashOf(block: Block): Uint8Array {
  return headerHash(block.header);
}

export function hexOf(block: Block): string {
  return toHex(headerHash(block.header));
}

/** A fresh temporary directory (the caller removes it). */
export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `gc-${name}-`));
}

/** A Chain on `location` for the tree's network (with its dataset, if any), with the test clock. */
export function openTestChain(tree: BlockTree, location: string, options: Partial<ChainOptions> = {}): Promise<Chain> {
  return Chain.open({ location, genesis: tree.genesis, clock: () => TEST_NOW, ...(tree.dataset ? { dataset: tree.dataset } : {}), ...options });
}

/** The blocks from the genesis (excluded) to `hash`, oldest first. */
export function pathTo(tree: BlockTree, hash: Uint8Array): Block[] {
  const out: Block[] = [];
  for (let at = hash; !bytesEqual(at, tree.genesis.hash); ) {
    const block = tree.block(at);
    out.push(block);
    at = block.header.parentHash;
  }
  return out.reverse();
}
