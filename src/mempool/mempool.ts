/**
 * The transfer pool: transfers waiting for a block, checked against the tip's accounts.
 *
 * Policy (docs/storage-and-chain.md):
 * - A sender's pending transfers are kept by nonce. Those that follow the account nonce without a
 *   gap are ready for a block; a transfer further ahead waits for the gap to fill, as long as its
 *   nonce is less than account nonce + maxPerSender (which also bounds a sender's share of the
 *   pool). Further ahead is refused ('nonce-too-high').
 * - All of a sender's pending transfers, applied in nonce order, must be payable from its balance
 *   under the consensus rules (checkTransferAgainstState).
 * - Relay policy: a transfer pays at least minFeeRate base units per encoded byte
 *   ('fee-rate-too-low'), and moves at least the dust amount ('dust'): an amount that would cost
 *   more than a third of itself to spend again at the minimum fee rate (Bitcoin's dust rule). Each
 *   new account is state every node keeps for ever, so creating one costs a fee and a real amount.
 * - The same (sender, nonce) replaces a pending transfer only with a strictly higher fee.
 * - The pool is bounded in bytes. When full, the transfer paying the least per byte among each
 *   sender's last one (so no sender is left with a gap) is evicted, if the newcomer pays more per
 *   byte; otherwise the newcomer is refused ('mempool-full').
 * - selectForBlock takes ready transfers by fee per byte, each sender's in nonce order.
 * - After the tip moves, onReorg drops what the new chain included or made unpayable and takes
 *   back the transfers of disconnected blocks that are still valid.
 */
import type { Account, Block, Transfer } from '../../consensus/types.ts';
import { EMPTY_ACCOUNT } from '../../consensus/types.ts';
import type { ChainParams } from '../../consensus/params.ts';
import { isVerifyError, type VerifyError } from '../../consensus/errors.ts';
import { checkTransferSanity } from '../../consensus/block-rules.ts';
import { checkTransferAgainstState, type AccountMap } from '../../consensus/state-transition.ts';
import { addressHash } from '../../consensus/address.ts';
import { transferId } from '../../consensus/ids.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { encodeTransfer } from '../../chain/tx.ts';
import { MempoolError } from './errors.ts';
import { Heap } from './heap.ts';

export interface MempoolOptions {
  /** Total encoded bytes of pending transfers. */
  readonly maxBytes?: number;
  /** How far past the account nonce a transfer may be held (also the most a sender may queue). */
  readonly maxPerSender?: number;
  /** The lowest fee per encoded byte accepted, in base units (the minimum relay fee rate). */
  readonly minFeeRate?: bigint;
  /** The smallest amount a transfer may move (default: dustAmount(minFeeRate)). */
  readonly dustAmount?: bigint;
}

/**
 * 10 base units per byte: a transfer (184 bytes) pays at least 1,840 base units, 0.0000184 GC,
 * well under the wallet's default fee (0.0001 GC), and 100,000 new accounts cost 1.84 GC in fees.
 */
export const DEFAULT_MIN_FEE_RATE = 10n;

/** Every transfer encodes to this many bytes (chain/tx.ts writes each integer at full width). */
const TRANSFER_BYTES = 184;

/** Dust: less than three times what the transfer that spends it pays at `minFeeRate`. */
export function dustAmount(minFeeRate: bigint): bigint {
  return 3n * BigInt(TRANSFER_BYTES) * minFeeRate;
}

export const DEFAULT_MEMPOOL_OPTIONS: Required<MempoolOptions> = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxPerSender: 64,
  minFeeRate: DEFAULT_MIN_FEE_RATE,
  dustAmount: dustAmount(DEFAULT_MIN_FEE_RATE),
});

/** A transfer of a disconnected block that could not come back to the pool, and why. */
export interface DroppedTransfer {
  readonly tx: Transfer;
  readonly id: Uint8Array;
  /** The MempoolError code ('insufficient-balance', 'nonce-too-low', …) and the consensus code under it, if any. */
  readonly code: string;
  readonly reason: string;
}

export interface MempoolAddResult {
  readonly id: Uint8Array;
  /** The pending transfer this one replaced (same sender and nonce, lower fee). */
  readonly replaced: Transfer | null;
}

interface PoolEntry {
  readonly tx: Transfer;
  readonly id: Uint8Array;
  readonly key: string;
  readonly sender: string;
  readonly size: number;
  /** Arrival order: breaks fee-rate ties, earlier first. */
  readonly sequence: number;
}

export class Mempool {
  readonly params: ChainParams;
  readonly options: Required<MempoolOptions>;
  #accounts: AccountMap;
  readonly #byId = new Map<string, PoolEntry>();
  readonly #bySender = new Map<string, Map<bigint, PoolEntry>>();
  #bytes = 0;
  #sequence = 0;

  /** `accounts`: the tip's state (a live map may be passed; onReorg replaces it). */
  constructor(params: ChainParams, accounts: AccountMap, options: MempoolOptions = {}) {
    this.params = params;
    const minFeeRate = options.minFeeRate ?? DEFAULT_MIN_FEE_RATE;
    if (minFeeRate < 0n) throw new RangeError(`minFeeRate must not be negative, got ${minFeeRate}`);
    const dust = options.dustAmount ?? dustAmount(minFeeRate);
    if (dust < 0n) throw new RangeError(`dustAmount must not be negative, got ${dust}`);
    this.options = Object.freeze({ ...DEFAULT_MEMPOOL_OPTIONS, ...options, minFeeRate, dustAmount: dust });
    this.#accounts = accounts;
  }

  get size(): number {
    return this.#byId.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  has(id: Uint8Array): boolean {
    return this.#byId.has(toHexKey(id));
  }

  get(id: Uint8Array): Transfer | undefined {
    return this.#byId.get(toHexKey(id))?.tx;
  }

  /** Every pending transfer, by sender then nonce. */
  all(): Transfer[] {
    return [...this.#bySender.values()].flatMap((queue) => sortedByNonce(queue).map((e) => e.tx));
  }

  /** A sender's pending transfers in nonce order. */
  pending(address: Uint8Array): Transfer[] {
    const queue = this.#bySender.get(toHexKey(address));
    return queue ? sortedByNonce(queue).map((e) => e.tx) : [];
  }

  /** The nonce a sender's next transfer should carry: past its account and its ready transfers. */
  nextNonce(address: Uint8Array): bigint {
    const sender = toHexKey(address);
    return this.#account(sender).nonce + BigInt(this.#readyRun(sender).length);
  }

  /** Checks and adds a transfer; throws MempoolError with the reason it was refused. */
  add(tx: Transfer): MempoolAddResult {
    return this.#add(tx, false);
  }

  remove(id: Uint8Array): boolean {
    const entry = this.#byId.get(toHexKey(id));
    if (!entry) return false;
    this.#remove(entry);
    return true;
  }

  /**
   * Up to `maxCount` ready transfers for a block template: highest fee per byte first (ties to
   * the earlier arrival), each sender's in nonce order, so that the list applies in order.
   */
  selectForBlock(maxCount: number): Transfer[] {
    type Cursor = { readonly run: PoolEntry[]; index: number };
    const heap = new Heap<Cursor>((a, b) => rank(a.run[a.index]!, b.run[b.index]!));
    for (const sender of this.#bySender.keys()) {
      const run = this.#readyRun(sender);
      if (run.length > 0) heap.push({ run, index: 0 });
    }
    const out: Transfer[] = [];
    while (out.length < maxCount) {
      const cursor = heap.pop();
      if (!cursor) break;
      out.push(cursor.run[cursor.index]!.tx);
      cursor.index++;
      if (cursor.index < cursor.run.length) heap.push(cursor);
    }
    return out;
  }

  /**
   * Follows the tip: `disconnected` and `connected` are the blocks the main chain lost and gained
   * (any order), `accounts` the new tip's state. Transfers the new chain included are dropped,
   * those of disconnected blocks come back if still valid, and every sender is checked again.
   * Returns the disconnected blocks' transfers that are in neither the new chain nor the pool.
   */
  onReorg(disconnected: readonly Block[], connected: readonly Block[], accounts: AccountMap): DroppedTransfer[] {
    this.#accounts = accounts;
    const included = new Set<string>();
    for (const block of connected) for (const tx of block.txs) included.add(toHexKey(transferId(tx)));
    for (const key of included) {
      const entry = this.#byId.get(key);
      if (entry) this.#remove(entry);
    }
    for (const sender of [...this.#bySender.keys()]) this.#revalidate(sender);
    const returning = disconnected
      .flatMap((block) => block.txs)
      .filter((tx) => !included.has(toHexKey(transferId(tx))))
      .sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0));
    const dropped: DroppedTransfer[] = [];
    for (const tx of returning) {
      try {
        // Their signatures and stateless rules were checked when their block was accepted.
        this.#add(tx, true);
      } catch (err) {
        if (!(err instanceof MempoolError)) throw err;
        dropped.push({ tx, id: transferId(tx), code: err.verifyCode ?? err.code, reason: err.reason });
      }
    }
    return dropped;
  }

  // ---- internals -----------------------------------------------------------------------------

  #add(tx: Transfer, trusted: boolean): MempoolAddResult {
    // The relay policy first: the cheapest refusal, and the one a flood of free transfers meets.
    const size = encodeTransfer(tx).length;
    this.#checkRelayPolicy(tx, size);
    const id = transferId(tx);
    const key = toHexKey(id);
    if (this.#byId.has(key)) throw new MempoolError('duplicate', `transfer ${key} is already pending`);
    if (!trusted) {
      try {
        checkTransferSanity(this.params, tx);
      } catch (err) {
        if (isVerifyError(err)) throw new MempoolError('invalid', err.reason, err.code);
        throw err;
      }
    }
    const sender = toHexKey(addressHash(tx.senderPublicKey));
    const account = this.#account(sender);
    if (tx.nonce < account.nonce) {
      throw new MempoolError('nonce-too-low', `nonce ${tx.nonce} is spent: the sender's account is at ${account.nonce}`);
    }
    if (tx.nonce >= account.nonce + BigInt(this.options.maxPerSender)) {
      throw new MempoolError(
        'nonce-too-high',
        `nonce ${tx.nonce} is ${this.options.maxPerSender} or more past the sender's account nonce ${account.nonce}`,
      );
    }
    const queue = this.#bySender.get(sender);
    const existing = queue?.get(tx.nonce);
    if (existing && tx.fee <= existing.tx.fee) {
      throw new MempoolError('replacement-fee-too-low', `a pending transfer with nonce ${tx.nonce} pays ${existing.tx.fee}; a replacement must pay more`);
    }
    const entry: PoolEntry = { tx, id, key, sender, size, sequence: this.#sequence++ };
    const candidate = new Map(queue ?? []);
    candidate.set(tx.nonce, entry);
    const unpaid = firstUnpayable(sender, account, sortedByNonce(candidate));
    if (unpaid) {
      const code = unpaid.error.code === 'bad-tx-balance' ? 'insufficient-balance' : 'invalid';
      const who = unpaid.entry === entry ? 'it' : `pending transfer ${unpaid.entry.tx.nonce} after it`;
      throw new MempoolError(code, `the sender cannot pay ${who}: ${unpaid.error.reason}`, unpaid.error.code);
    }
    const victims = this.#evictionPlan(entry, entry.size - (existing?.size ?? 0));
    for (const victim of victims) this.#remove(victim);
    if (existing) this.#remove(existing);
    this.#insert(entry);
    return { id, replaced: existing?.tx ?? null };
  }

  /** The minimum fee rate and the dust rule (see the file comment). */
  #checkRelayPolicy(tx: Transfer, size: number): void {
    const { minFeeRate, dustAmount: dust } = this.options;
    if (tx.fee < minFeeRate * BigInt(size)) {
      throw new MempoolError(
        'fee-rate-too-low',
        `fee ${tx.fee} for ${size} bytes is below the minimum relay fee rate of ${minFeeRate} per byte (${minFeeRate * BigInt(size)})`,
      );
    }
    if (tx.amount < dust) throw new MempoolError('dust', `amount ${tx.amount} is dust: the smallest amount relayed is ${dust}`);
  }

  /**
   * The transfers to evict so `incoming` fits: repeatedly the lowest fee rate among the other
   * senders' last transfers. Throws 'mempool-full' unless every victim pays less per byte.
   */
  #evictionPlan(incoming: PoolEntry, extraBytes: number): PoolEntry[] {
    let excess = this.#bytes + extraBytes - this.options.maxBytes;
    if (excess <= 0) return [];
    const stacks: PoolEntry[][] = [];
    for (const [sender, queue] of this.#bySender) if (sender !== incoming.sender) stacks.push(sortedByNonce(queue));
    const victims: PoolEntry[] = [];
    while (excess > 0) {
      let lowest: PoolEntry[] | undefined;
      for (const stack of stacks) {
        const last = stack[stack.length - 1];
        if (last && (!lowest || rank(lowest[lowest.length - 1]!, last) > 0)) lowest = stack;
      }
      const victim = lowest?.pop();
      if (!victim || compareFeeRate(incoming, victim) <= 0) {
        throw new MempoolError('mempool-full', `the pool is full (${this.options.maxBytes} bytes) of transfers paying at least this fee per byte`);
      }
      victims.push(victim);
      excess -= victim.size;
    }
    return victims;
  }

  /** Drops a sender's spent, too distant or unpayable transfers against the current accounts. */
  #revalidate(sender: string): void {
    const queue = this.#bySender.get(sender);
    if (!queue) return;
    const account = this.#account(sender);
    const limit = account.nonce + BigInt(this.options.maxPerSender);
    for (const entry of sortedByNonce(queue)) if (entry.tx.nonce < account.nonce || entry.tx.nonce >= limit) this.#remove(entry);
    for (;;) {
      const left = this.#bySender.get(sender);
      if (!left) return;
      const unpaid = firstUnpayable(sender, account, sortedByNonce(left));
      if (!unpaid) return;
      // Dropping the first unpayable one may make the rest payable again (they were later anyway).
      this.#remove(unpaid.entry);
    }
  }

  /** The sender's transfers that follow its account nonce without a gap. */
  #readyRun(sender: string): PoolEntry[] {
    const queue = this.#bySender.get(sender);
    if (!queue) return [];
    const run: PoolEntry[] = [];
    for (let nonce = this.#account(sender).nonce; ; nonce++) {
      const entry = queue.get(nonce);
      if (!entry) return run;
      run.push(entry);
    }
  }

  #account(sender: string): Account {
    return this.#accounts.get(sender) ?? EMPTY_ACCOUNT;
  }

  #insert(entry: PoolEntry): void {
    let queue = this.#bySender.get(entry.sender);
    if (!queue) this.#bySender.set(entry.sender, (queue = new Map()));
    queue.set(entry.tx.nonce, entry);
    this.#byId.set(entry.key, entry);
    this.#bytes += entry.size;
  }

  #remove(entry: PoolEntry): void {
    if (!this.#byId.delete(entry.key)) return;
    this.#bytes -= entry.size;
    const queue = this.#bySender.get(entry.sender);
    queue?.delete(entry.tx.nonce);
    if (queue?.size === 0) this.#bySender.delete(entry.sender);
  }
}

/**
 * Applies a sender's transfers in nonce order to its account under the consensus rules, each as
 * if its nonce were next (gaps are allowed to wait); returns the first that cannot be paid.
 */
function firstUnpayable(
  sender: string,
  account: Account,
  entries: readonly PoolEntry[],
): { entry: PoolEntry; error: VerifyError } | null {
  let balance = account.balance;
  for (const entry of entries) {
    try {
      checkTransferAgainstState(new Map([[sender, { balance, nonce: entry.tx.nonce }]]), entry.tx);
    } catch (err) {
      if (isVerifyError(err)) return { entry, error: err };
      throw err;
    }
    balance -= entry.tx.amount + entry.tx.fee;
  }
  return null;
}

function sortedByNonce(queue: ReadonlyMap<bigint, PoolEntry>): PoolEntry[] {
  return [...queue.values()].sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : a.tx.nonce > b.tx.nonce ? 1 : 0));
}

/** fee/size of a against b, exactly (cross-multiplied). */
function compareFeeRate(a: PoolEntry, b: PoolEntry): number {
  const left = a.tx.fee * BigInt(b.size);
  const right = b.tx.fee * BigInt(a.size);
  return left > right ? 1 : left < right ? -1 : 0;
}

/** Positive when `a` should go into a block before `b` (and be evicted after it). */
function rank(a: PoolEntry, b: PoolEntry): number {
  return compareFeeRate(a, b) || b.sequence - a.sequence;
}
