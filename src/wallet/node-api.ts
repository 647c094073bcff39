/**
 * The node calls the wallet makes, with the node's answers checked before use: amounts arrive as
 * decimal strings of base units (JSON numbers lose precision past 2^53) and become bigints here.
 */
import { encodeTransfer } from '../../chain/tx.ts';
import type { Transfer } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { rpcCall, type RpcCallOptions } from '../rpc/client.ts';
import type { HistoryItem } from '../rpc/methods/accounts.ts';
import { parseBaseUnits } from './amounts.ts';
import { WalletError } from './errors.ts';

export interface AccountView {
  readonly address: string;
  readonly balance: bigint;
  /** The confirmed nonce: transfers in blocks so far. */
  readonly nonce: bigint;
  /** The next nonce counting the node's mempool, when the node reports it. */
  readonly pendingNonce?: bigint;
  /** Rewards earned in the last `maturity` blocks, not yet in the balance (oldest first). */
  readonly immature: readonly ImmatureView[];
  /** The node's tip height. */
  readonly height?: number;
}

export interface ImmatureView {
  readonly height: number;
  readonly amount: bigint;
  /** Spendable by a transfer in this block and later. */
  readonly spendableAt: number;
}

/** What the wallet needs to know of the node's network. */
export interface NodeNetwork {
  readonly network: string;
  /** The genesis block hash: the chain id every transfer signs. */
  readonly chainId: Uint8Array;
  readonly addressPrefix: string;
  readonly height: number;
}

/** One line of the history as the wallet uses it: the RPC's HistoryItem with amounts parsed to bigint. */
export interface HistoryEntry extends Omit<HistoryItem, 'amount' | 'fee'> {
  readonly amount: bigint;
  readonly fee: bigint;
}

/** RPC `getaccount` {address} → {address, balance, nonce, pendingNonce?}. */
export async function getAccount(rpc: RpcCallOptions, address: string): Promise<AccountView> {
  const result = record(await rpcCall<unknown>(rpc, 'getaccount', { address }), 'getaccount');
  const pending = result['pendingNonce'];
  return {
    address: typeof result['address'] === 'string' ? result['address'] : address,
    balance: parseBaseUnits(result['balance'], 'getaccount balance'),
    nonce: parseBaseUnits(result['nonce'], 'getaccount nonce'),
    ...(pending === undefined || pending === null ? {} : { pendingNonce: parseBaseUnits(pending, 'getaccount pendingNonce') }),
    ...(typeof result['height'] === 'number' ? { height: result['height'] } : {}),
    immature: immatureList(result['immatureRewards']),
  };
}

function immatureList(value: unknown): ImmatureView[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new WalletError('bad-response', 'getaccount immatureRewards must be a list');
  return value.map((item: unknown, i) => {
    const what = `getaccount immatureRewards[${i}]`;
    const e = record(item, what);
    return {
      height: optionalInteger(e['height'], `${what}.height`) ?? 0,
      amount: parseBaseUnits(e['amount'], `${what}.amount`),
      spendableAt: optionalInteger(e['spendableAt'], `${what}.spendableAt`) ?? 0,
    };
  });
}

/** RPC `getblockchaininfo` → the node's network: its name, chain id and address prefix. */
export async function getNodeNetwork(rpc: RpcCallOptions): Promise<NodeNetwork> {
  const result = record(await rpcCall<unknown>(rpc, 'getblockchaininfo', []), 'getblockchaininfo');
  const genesis = text(result['genesis'], 'getblockchaininfo genesis');
  if (!/^[0-9a-f]{64}$/.test(genesis)) throw new WalletError('bad-response', 'getblockchaininfo genesis must be 64 hex digits');
  return {
    network: text(result['chain'], 'getblockchaininfo chain'),
    chainId: Uint8Array.from(Buffer.from(genesis, 'hex')),
    addressPrefix: text(result['addressprefix'], 'getblockchaininfo addressprefix'),
    height: optionalInteger(result['blocks'], 'getblockchaininfo blocks') ?? 0,
  };
}

/** RPC `sendrawtransaction` [hex of the encoded transfer] → the txid (hex). */
export async function sendRawTransaction(rpc: RpcCallOptions, tx: Transfer): Promise<string> {
  const txid = await rpcCall<unknown>(rpc, 'sendrawtransaction', [toHex(encodeTransfer(tx))]);
  if (typeof txid !== 'string' || !/^[0-9a-f]{64}$/i.test(txid)) {
    throw new WalletError('bad-response', `sendrawtransaction returned ${JSON.stringify(txid)}, not a transaction id`);
  }
  return txid.toLowerCase();
}

/** RPC `getaddresshistory` {address, limit} → the address's transfers. */
export async function getAddressHistory(rpc: RpcCallOptions, address: string, limit: number): Promise<HistoryEntry[]> {
  const result = await rpcCall<unknown>(rpc, 'getaddresshistory', { address, limit });
  if (!Array.isArray(result)) throw new WalletError('bad-response', 'getaddresshistory did not return a list');
  return result.map((item: unknown, i) => {
    const what = `getaddresshistory[${i}]`;
    const e = record(item, what);
    const status = e['status'] ?? (e['height'] === null ? 'pending' : 'confirmed');
    if (status !== 'pending' && status !== 'confirmed' && status !== 'dropped') throw new WalletError('bad-response', `${what}.status is not known`);
    return {
      txid: text(e['txid'], `${what}.txid`),
      status,
      height: optionalInteger(e['height'], `${what}.height`),
      blockHash: e['blockHash'] === null || e['blockHash'] === undefined ? null : text(e['blockHash'], `${what}.blockHash`),
      time: optionalInteger(e['time'], `${what}.time`),
      from: text(e['from'], `${what}.from`),
      to: text(e['to'], `${what}.to`),
      amount: parseBaseUnits(e['amount'], `${what}.amount`),
      fee: parseBaseUnits(e['fee'], `${what}.fee`),
      ...(typeof e['droppedAtHeight'] === 'number' ? { droppedAtHeight: e['droppedAtHeight'] } : {}),
      ...(typeof e['reason'] === 'string' ? { reason: e['reason'] } : {}),
    };
  });
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WalletError('bad-response', `${what} did not return an object`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new WalletError('bad-response', `${what} must be a string`);
  return value;
}

function optionalInteger(value: unknown, what: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new WalletError('bad-response', `${what} must be a non-negative integer or null`);
  }
  return value;
}
