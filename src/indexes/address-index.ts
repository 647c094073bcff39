/**
 * The address index (Bitcoin Core's indexes/, bcoin's addrindex): for every address, the main
 * chain's transfers it sent or received, in LevelDB beside the chain, so `getaddresshistory`
 * reads one key range instead of scanning blocks from the tip down.
 *
 * It follows the chain's `tip` events: the transfers of disconnected blocks leave, those of
 * connected blocks join, in one batch per event together with the index's own tip. Updates run one
 * after another; a reader waits for them (synced()). The index is not part of consensus and may
 * lag after a crash: at open it catches up from its tip when that tip is still on the main chain,
 * and rebuilds from the genesis when it is not (the chain reorganised past it while it was down).
 *
 * Keys: 'a' ‖ address (20) ‖ height (u32 BE) ‖ position in the block (u32 BE), so a reverse scan
 * of an address's range gives its history newest first. Value: block hash (32) ‖ block time (u32
 * BE) ‖ the encoded transfer. Key 't': the index's tip, hash (32) ‖ height (u32 BE).
 */
import { concatBytes } from '@noble/hashes/utils.js';
import { Level } from 'level';
import type { Block, Transfer } from '../../consensus/types.ts';
import { addressHash } from '../../consensus/address.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { toHex } from '../../consensus/hash.ts';
import { decodeTransfer, encodeTransfer } from '../../chain/tx.ts';
import { headerHash } from '../../chain/header.ts';
import type { Chain, TipChange } from '../../chain/chain.ts';
import type { Logger } from '../log.ts';

const ENTRY = 0x61; // 'a'
const TIP_KEY = Uint8Array.of(0x74); // 't'
const ADDRESS_BYTES = 20;

export interface IndexedTransfer {
  readonly tx: Transfer;
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly time: number;
}

/** The part of Chain the index reads. */
export type IndexedChain = Pick<Chain, 'tip' | 'getEntryAtHeight' | 'isMainChain' | 'getBlock' | 'on' | 'off'>;

type Batch = Array<{ type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }>;

export class AddressIndex {
  readonly #db: Level<Uint8Array, Uint8Array>;
  readonly #chain: IndexedChain;
  readonly #log: Logger;
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  readonly #onTip = (change: TipChange): void => {
    this.#enqueue(() => this.#apply(change.disconnected, change.connected));
  };

  private constructor(db: Level<Uint8Array, Uint8Array>, chain: IndexedChain, log: Logger) {
    this.#db = db;
    this.#chain = chain;
    this.#log = log;
  }

  /** Opens (or creates) the index at `location`, brings it to the chain's tip, and follows it. */
  static async open(location: string, chain: IndexedChain, log: Logger): Promise<AddressIndex> {
    const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    const index = new AddressIndex(db, chain, log);
    chain.on('tip', index.#onTip);
    index.#enqueue(() => index.#catchUp());
    try {
      await index.synced();
    } catch (err) {
      await index.close();
      throw err;
    }
    return index;
  }

  /** Resolves once every tip change seen so far is indexed; throws if an update failed. */
  async synced(): Promise<void> {
    await this.#queue;
    if (this.#failure !== null) throw this.#failure;
  }

  /** The index's tip: the last main-chain block it has applied. */
  async tip(): Promise<{ hash: Uint8Array; height: number } | null> {
    const value = await this.#db.get(TIP_KEY);
    return value ? { hash: value.slice(0, 32), height: readU32(value, 32) } : null;
  }

  /** An address's main-chain transfers, newest first, at most `limit`. */
  async history(address: Uint8Array, limit: number): Promise<IndexedTransfer[]> {
    if (address.length !== ADDRESS_BYTES) throw new RangeError(`an address hash is ${ADDRESS_BYTES} bytes, got ${address.length}`);
    await this.synced();
    const prefix = Uint8Array.of(ENTRY, ...address);
    const out: IndexedTransfer[] = [];
    for await (const [key, value] of this.#db.iterator({ gte: prefix, lt: Uint8Array.of(ENTRY, ...address, 0xff, 0xff, 0xff, 0xff, 0xff), reverse: true, limit })) {
      out.push({ tx: decodeTransfer(value.subarray(36)), height: readU32(key, 1 + ADDRESS_BYTES), blockHash: value.slice(0, 32), time: readU32(value, 32) });
    }
    return out;
  }

  async close(): Promise<void> {
    this.#chain.off('tip', this.#onTip);
    await this.#queue.catch(() => undefined);
    await this.#db.close();
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(async () => {
      if (this.#failure !== null) return;
      try {
        await task();
      } catch (err) {
        this.#failure = err;
        this.#log.error({ err }, 'address index update failed; getaddresshistory falls back to a chain scan');
      }
    });
  }

  /** From the index's tip to the chain's, or from scratch when its tip left the main chain. */
  async #catchUp(): Promise<void> {
    const tip = this.#chain.tip();
    let from = await this.tip();
    if (from && !this.#chain.isMainChain(from.hash)) {
      this.#log.warn({ indexTip: toHex(from.hash), height: from.height }, 'address index tip left the main chain: rebuilding');
      await this.#db.clear();
      from = null;
    }
    const start = (from?.height ?? 0) + 1;
    let blocks: Block[] = [];
    for (let height = start; height <= tip.height; height++) {
      const entry = this.#chain.getEntryAtHeight(height);
      const block = entry ? await this.#chain.getBlock(entry.hash) : undefined;
      if (!entry || !block) throw new Error(`main-chain block at height ${height} is not stored`);
      blocks.push(block);
      if (blocks.length === 256 || height === tip.height) {
        await this.#apply([], blocks);
        blocks = [];
      }
    }
    if (tip.height >= start) this.#log.info({ from: start, to: tip.height }, 'address index caught up');
  }

  async #apply(disconnected: readonly Block[], connected: readonly Block[]): Promise<void> {
    const batch: Batch = [];
    for (const block of disconnected) for (const [position, tx] of block.txs.entries()) for (const key of keysOf(tx, block, position)) batch.push({ type: 'del', key });
    for (const block of connected) {
      const hash = headerHash(block.header);
      for (const [position, tx] of block.txs.entries()) {
        const value = concatBytes(hash, u32(block.header.timestamp), encodeTransfer(tx));
        for (const key of keysOf(tx, block, position)) batch.push({ type: 'put', key, value });
      }
    }
    // The new tip: the highest connected block, or else the parent of the lowest disconnected one.
    const byHeight = (pick: (a: Block, b: Block) => boolean) => (a: Block, b: Block): Block => (pick(a, b) ? a : b);
    if (connected.length > 0) {
      const top = connected.reduce(byHeight((a, b) => a.header.height > b.header.height));
      batch.push({ type: 'put', key: TIP_KEY, value: concatBytes(headerHash(top.header), u32(top.header.height)) });
    } else if (disconnected.length > 0) {
      const bottom = disconnected.reduce(byHeight((a, b) => a.header.height < b.header.height));
      batch.push({ type: 'put', key: TIP_KEY, value: concatBytes(bottom.header.parentHash, u32(bottom.header.height - 1)) });
    }
    if (batch.length > 0) await this.#db.batch(batch);
  }
}

/** The keys a transfer has: one under its sender, one under its recipient (never the same). */
function keysOf(tx: Transfer, block: Block, position: number): Uint8Array[] {
  const sender = addressHash(tx.senderPublicKey);
  const where = concatBytes(u32(block.header.height), u32(position));
  const keys = [concatBytes(Uint8Array.of(ENTRY), sender, where)];
  if (!bytesEqual(sender, tx.recipient)) keys.push(concatBytes(Uint8Array.of(ENTRY), tx.recipient, where));
  return keys;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

function readU32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, false);
}

