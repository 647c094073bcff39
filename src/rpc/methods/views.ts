/**
 * The JSON shapes of chain data in RPC results, close to bitcoind's where the concepts match:
 * hashes and bytes as lowercase hex, addresses in the network's bech32m form, amounts and nonces as
 * decimal strings of base units (a JSON number loses precision past 2^53), bits as 8 hex digits,
 * chainwork as 64 hex digits.
 */
import type { Chain, ChainEntry } from '../../../chain/chain.ts';
import { encodeAddress } from '../../../chain/address.ts';
import { encodeTransfer } from '../../../chain/tx.ts';
import type { ChainParams } from '../../../consensus/params.ts';
import type { Block, Contribution, ReportEntry, Transfer } from '../../../consensus/types.ts';
import { addressHash } from '../../../consensus/address.ts';
import { contributionId, transferId } from '../../../consensus/ids.ts';
import { toHex } from '../../../consensus/hash.ts';
import { bitsToTarget } from '../../../consensus/pow/compact.ts';
import { medianTimePast, MEDIAN_TIME_SPAN } from '../../../consensus/pow/timestamps.ts';
import type { RpcNetwork } from './context.ts';

export function addressText(params: ChainParams, hash: Uint8Array): string {
  return encodeAddress(params.addressPrefix, hash);
}

export function bitsHex(bits: number): string {
  return bits.toString(16).padStart(8, '0');
}

/** The connected peers, each with whether it has finished the status handshake (none without a network). */
export function peersWithReadiness(network: RpcNetwork | null): (ReturnType<RpcNetwork['peers']>[number] & { readonly ready: boolean })[] {
  if (!network) return [];
  const ready = new Set(network.readyPeers());
  return network.peers().map((peer) => ({ ...peer, ready: ready.has(peer.id) }));
}

export function hex256(value: bigint): string {
  return value.toString(16).padStart(64, '0');
}

/** How many times harder than the network's easiest target (powLimit) a target is, as bitcoind's. */
export function difficulty(params: ChainParams, bits: number): number {
  return Number(params.pow.powLimit) / Number(bitsToTarget(bits));
}

/** The median of the timestamps of the entry and up to ten ancestors. */
export function medianTime(chain: Chain, entry: ChainEntry): number {
  const times: number[] = [];
  for (let e: ChainEntry | undefined = entry; e && times.length < MEDIAN_TIME_SPAN; ) {
    times.push(e.header.timestamp);
    e = e.height === 0 ? undefined : chain.getEntry(e.header.parentHash);
  }
  return medianTimePast(times.reverse());
}

export function headerView(chain: Chain, entry: ChainEntry): Record<string, unknown> {
  const { params } = chain;
  const h = entry.header;
  const main = chain.isMainChain(entry.hash);
  const tip = chain.tip();
  const next = main && entry.height < tip.height ? chain.getHashAtHeight(entry.height + 1) : undefined;
  return {
    hash: toHex(entry.hash),
    confirmations: main ? tip.height - entry.height + 1 : -1,
    height: entry.height,
    version: h.version,
    time: h.timestamp,
    mediantime: medianTime(chain, entry),
    nonce: h.nonce.toString(),
    bits: bitsHex(h.bits),
    target: hex256(bitsToTarget(h.bits)),
    difficulty: difficulty(params, h.bits),
    chainwork: hex256(entry.chainwork),
    miner: addressText(params, h.minerAddress),
    txroot: toHex(h.txRoot),
    contributionsroot: toHex(h.contributionsRoot),
    reportroot: toHex(h.reportRoot),
    stateroot: toHex(h.stateRoot),
    modelhash: toHex(h.modelHash),
    previousblockhash: entry.height === 0 ? null : toHex(h.parentHash),
    nextblockhash: next ? toHex(next) : null,
  };
}

export function transferView(params: ChainParams, tx: Transfer): Record<string, unknown> {
  return {
    txid: toHex(transferId(tx)),
    from: addressText(params, addressHash(tx.senderPublicKey)),
    to: addressText(params, tx.recipient),
    amount: tx.amount.toString(),
    fee: tx.fee.toString(),
    nonce: tx.nonce.toString(),
    size: encodeTransfer(tx).length,
    senderpublickey: toHex(tx.senderPublicKey),
    signature: toHex(tx.signature),
  };
}

export function contributionView(params: ChainParams, c: Contribution): Record<string, unknown> {
  return {
    id: toHex(contributionId(c)),
    contributor: addressText(params, addressHash(c.contributorPublicKey)),
    parenthash: toHex(c.parentHash),
    payloadbytes: c.payload.length,
  };
}

/** A report entry as JSON: every field of ReportEntry in its order (addresses as text, the reward as a decimal string). */
export function reportView(params: ChainParams, e: ReportEntry): Record<string, unknown> {
  return {
    contributor: addressText(params, e.contributor),
    lossOwnBefore: e.lossOwnBefore,
    lossOwnAfter: e.lossOwnAfter,
    lossRandBefore: e.lossRandBefore,
    lossRandAfter: e.lossRandAfter,
    score: e.score,
    indicator: e.indicator,
    weight: e.weight,
    reward: e.reward.toString(),
    aggregated: e.aggregated,
  };
}

/** getblock's JSON: verbosity 1 lists ids, verbosity 2 the transfers, contributions and report in full. */
export function blockView(chain: Chain, entry: ChainEntry, block: Block, size: number, verbosity: 1 | 2): Record<string, unknown> {
  const { params } = chain;
  return {
    ...headerView(chain, entry),
    size,
    ntx: block.txs.length,
    ncontributions: block.contributions.length,
    tx: verbosity === 1 ? block.txs.map((tx) => toHex(transferId(tx))) : block.txs.map((tx) => transferView(params, tx)),
    contributions:
      verbosity === 1 ? block.contributions.map((c) => toHex(contributionId(c))) : block.contributions.map((c) => contributionView(params, c)),
    ...(verbosity === 2 ? { report: block.report.map((e) => reportView(params, e)) } : {}),
  };
}
