/**
 * Accounts: balance and nonces, and an address's transfers: the pending ones from the mempool,
 * then the main chain's from the address index (src/indexes/address-index.ts), or, for a node that
 * keeps none or whose index failed, by scanning the main chain from the tip down.
 */
import { AddressError, decodeAddress } from '../../../chain/address.ts';
import { addressHash } from '../../../consensus/address.ts';
import { bytesEqual } from '../../../consensus/bytes.ts';
import { transferId } from '../../../consensus/ids.ts';
import { toHex } from '../../../consensus/hash.ts';
import type { Transfer } from '../../../consensus/types.ts';
import { RpcServerError } from '../errors.ts';
import type { RpcNode } from './context.ts';
import type { RpcMethodTable } from './method.ts';
import type { Params } from './params.ts';
import { addressText } from './views.ts';
import { immatureRewards } from './immature.ts';
import { rewardMaturity } from '../../../consensus/maturity.ts';
import type { IndexedTransfer } from '../../indexes/address-index.ts';

export const DEFAULT_HISTORY_LIMIT = 20;
export const MAX_HISTORY_LIMIT = 10_000;

const ADDRESS = { name: 'address', description: "an address on this network (bech32m with the network's prefix)" } as const;

/** One line of getaccounthistory's answer, amounts as decimal strings (the wallet's HistoryEntry parses it). */
export interface HistoryItem {
  readonly txid: string;
  /** pending: in the mempool; confirmed: in a main-chain block; dropped: a reorganisation took it out for good. */
  readonly status: 'pending' | 'confirmed' | 'dropped';
  readonly height: number | null;
  readonly blockHash: string | null;
  readonly time: number | null;
  readonly from: string;
  readonly to: string;
  readonly amount: string;
  readonly fee: string;
  /** For dropped transfers: the tip height after the reorganisation, and why it no longer applies. */
  readonly droppedAtHeight?: number;
  readonly reason?: string;
}

export const accountMethods: RpcMethodTable = {
  getaccount: {
    summary: "an account's spendable balance and nonce, its rewards not yet spendable, and the next nonce counting the mempool",
    params: [ADDRESS],
    result:
      '{address, balance, nonce, pendingNonce, height, maturity, immature, immatureRewards: [{height, amount, spendableAt}]}: amounts and nonces as decimal strings ' +
      'in base units (1 GC = 10^8); balance is spendable now; immature is what the last `maturity` blocks earned the address, each spendable from block spendableAt',
    run: async (p, node) => {
      const { text, hash } = addressOf(node, p);
      const account = node.chain.getAccount(hash);
      const height = node.chain.height();
      const immature = await immatureRewards(node.chain, hash);
      return {
        address: text,
        balance: account.balance.toString(),
        nonce: account.nonce.toString(),
        pendingNonce: node.mempool.nextNonce(hash).toString(),
        height,
        maturity: rewardMaturity(node.chain.params),
        immature: immature.reduce((sum, r) => sum + r.amount, 0n).toString(),
        immatureRewards: immature.map((r) => ({ height: r.height, amount: r.amount.toString(), spendableAt: r.spendableAt })),
      };
    },
  },

  getdroppedtransfers: {
    summary: 'the transfers reorganisations took out of the chain that could not return to the mempool (the last 1000, newest first; forgotten on restart)',
    params: [],
    result: '[{txid, from, to, amount, fee, nonce, height, droppedAtHeight, time, code, reason}]: height is where its block was; time in seconds',
    run: (_p, node) =>
      node.dropped.list().map((d) => ({
        txid: toHex(d.id),
        from: addressText(node.chain.params, addressHash(d.tx.senderPublicKey)),
        to: addressText(node.chain.params, d.tx.recipient),
        amount: d.tx.amount.toString(),
        fee: d.tx.fee.toString(),
        nonce: d.tx.nonce.toString(),
        height: d.height,
        droppedAtHeight: d.droppedAtHeight,
        time: Math.floor(d.droppedAtMs / 1000),
        code: d.code,
        reason: d.reason,
      })),
  },

  getaddresshistory: {
    summary: "an address's transfers, newest first: pending ones, those a reorganisation dropped, then the main chain's from the tip down",
    params: [ADDRESS, { name: 'limit', description: `at most this many (1 to ${MAX_HISTORY_LIMIT}, default ${DEFAULT_HISTORY_LIMIT})`, optional: true }],
    result:
      '[{txid, status, height, blockHash, time, from, to, amount, fee, droppedAtHeight?, reason?}]; status pending, dropped or confirmed; ' +
      'height, blockHash and time are null unless confirmed',
    run: async (p, node) => {
      const { hash } = addressOf(node, p);
      const limit = p.integer('limit', 1, MAX_HISTORY_LIMIT, DEFAULT_HISTORY_LIMIT);
      return addressHistory(node, hash, limit);
    },
  },
};

export async function addressHistory(node: RpcNode, address: Uint8Array, limit: number): Promise<HistoryItem[]> {
  const { chain } = node;
  const out: HistoryItem[] = [];
  const item = (tx: Transfer, block: { height: number; hash: Uint8Array; time: number } | null, status: HistoryItem['status'] = block ? 'confirmed' : 'pending'): HistoryItem => ({
    txid: toHex(transferId(tx)),
    status,
    height: block ? block.height : null,
    blockHash: block ? toHex(block.hash) : null,
    time: block ? block.time : null,
    from: addressText(chain.params, addressHash(tx.senderPublicKey)),
    to: addressText(chain.params, tx.recipient),
    amount: tx.amount.toString(),
    fee: tx.fee.toString(),
  });
  const pending = node.mempool.all().filter((tx) => involves(tx, address));
  // Pending transfers by nonce, latest first (the pool lists each sender's in nonce order).
  pending.sort((a, b) => (a.nonce === b.nonce ? 0 : a.nonce > b.nonce ? -1 : 1));
  for (const tx of pending) {
    if (out.length >= limit) return out;
    out.push(item(tx, null));
  }
  for (const d of node.dropped.list()) {
    if (out.length >= limit) return out;
    // A transfer mined again on the new branch, or back in the pool, is not dropped any more.
    if (!involves(d.tx, address) || node.mempool.has(d.id) || (await onMainChain(node, d.tx, d.droppedAtHeight))) continue;
    out.push({ ...item(d.tx, null, 'dropped'), droppedAtHeight: d.droppedAtHeight, reason: `${d.code}: ${d.reason}` });
  }
  const indexed = await fromIndex(node, address, limit - out.length);
  if (indexed) {
    for (const e of indexed) out.push(item(e.tx, { height: e.height, hash: e.blockHash, time: e.time }));
    return out;
  }
  // Walks the tip's ancestry by parent hash, so a reorganisation during the scan cannot mix branches.
  for (let entry = chain.tip(); entry.height > 0 && out.length < limit; ) {
    const block = await chain.getBlock(entry.hash);
    if (!block) throw new RpcServerError('internal-error', `block ${toHex(entry.hash)} is on the chain but its body is not stored`);
    const where = { height: entry.height, hash: entry.hash, time: entry.header.timestamp };
    for (let i = block.txs.length - 1; i >= 0 && out.length < limit; i--) {
      const tx = block.txs[i]!;
      if (involves(tx, address)) out.push(item(tx, where));
    }
    const parent = chain.getEntry(entry.header.parentHash);
    if (!parent) throw new RpcServerError('internal-error', `block ${toHex(entry.hash)} has no stored parent`);
    entry = parent;
  }
  return out;
}

/** Whether the main chain above `fromHeight` includes `tx` (a dropped transfer someone sent again unchanged). */
async function onMainChain(node: RpcNode, tx: Transfer, fromHeight: number): Promise<boolean> {
  const id = transferId(tx);
  for (let h = Math.max(1, fromHeight - 1); h <= node.chain.height(); h++) {
    const hash = node.chain.getHashAtHeight(h);
    const block = hash && (await node.chain.getBlock(hash));
    if (block && block.txs.some((t) => bytesEqual(transferId(t), id))) return true;
  }
  return false;
}

/** The index's answer, or null to scan (no index, or one that failed and said so in the log). */
async function fromIndex(node: RpcNode, address: Uint8Array, limit: number): Promise<IndexedTransfer[] | null> {
  if (!node.addressIndex || limit <= 0) return limit <= 0 ? [] : null;
  try {
    return await node.addressIndex.history(address, limit);
  } catch {
    return null;
  }
}

function involves(tx: Transfer, address: Uint8Array): boolean {
  return bytesEqual(tx.recipient, address) || bytesEqual(addressHash(tx.senderPublicKey), address);
}

function addressOf(node: RpcNode, p: Params): { text: string; hash: Uint8Array } {
  const text = p.string('address', 128).trim();
  try {
    return { text, hash: decodeAddress(node.chain.params.addressPrefix, text) };
  } catch (err) {
    if (err instanceof AddressError) throw new RpcServerError('invalid-address-or-key', err.reason);
    throw err;
  }
}
