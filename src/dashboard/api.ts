/**
 * The dashboard's JSON: the chain's recent blocks, the model's held-out loss over height, the
 * contributors' ratings and rewards, and the node's peers. Read-only views of what the node
 * already holds; amounts are decimal strings of base units, as in the RPC.
 */
import { encodeAddress } from '../../chain/address.ts';
import type { Block } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import type { RpcNode } from '../rpc/methods/context.ts';
import { peersWithReadiness } from '../rpc/methods/views.ts';
import { historyHeights, type ModelInsight } from './model-insight.ts';
import type { Computed } from './tip-cache.ts';

export const MAX_BLOCKS = 100;
const LOSS_POINTS = 64;

export interface DashboardSources {
  readonly node: RpcNode;
  readonly insight: ModelInsight;
}

export function summary({ node }: DashboardSources): Record<string, unknown> {
  const { chain } = node;
  const tip = chain.tip();
  const mining = node.mining();
  return {
    network: chain.params.network,
    chainId: toHex(chain.genesis().hash),
    height: tip.height,
    tip: toHex(tip.hash),
    tipTime: tip.header.timestamp,
    difficulty: Number(chain.params.pow.powLimit) / Number(bitsToTarget(tip.header.bits)),
    blockTime: chain.params.pow.blockTimeSeconds,
    collectionWindow: chain.params.gauntlet.collectionWindowSeconds,
    peers: node.network?.readyPeers().length ?? 0,
    mempool: node.mempool.size,
    mining: mining ? { hashRate: Math.round(mining.hashRate), blocksFound: mining.blocksFound, address: mining.minerAddress } : null,
    clockMs: node.clockMs(),
  };
}

/** The newest `count` main-chain blocks, newest first. */
export async function recentBlocks({ node }: DashboardSources, count: number): Promise<Record<string, unknown>[]> {
  const { chain } = node;
  const prefix = chain.params.addressPrefix;
  const tip = chain.height();
  const out: Record<string, unknown>[] = [];
  for (let h = tip; h >= 0 && out.length < count; h--) {
    const entry = chain.getEntryAtHeight(h);
    if (!entry) break;
    const block: Block | undefined = await chain.getBlock(entry.hash);
    if (!block) continue;
    const paid = block.report.reduce((sum, e) => sum + e.reward, 0n);
    out.push({
      height: h,
      hash: toHex(entry.hash),
      time: entry.header.timestamp,
      miner: h === 0 ? null : encodeAddress(prefix, entry.header.minerAddress),
      transfers: block.txs.length,
      contributions: block.contributions.length,
      aggregated: block.report.filter((e) => e.aggregated).length,
      paid: paid.toString(),
      modelHash: toHex(entry.header.modelHash),
    });
  }
  return out;
}

/**
 * The tip's held-out loss and its history; `complete` once every point of the history is measured
 * (the dashboard caches it per tip, see tip-cache.ts).
 */
export async function loss({ insight }: DashboardSources): Promise<Computed<Record<string, unknown>>> {
  const at = await insight.modelAt();
  const history = await insight.lossHistory(at.entry.height, LOSS_POINTS);
  const complete = !insight.heldOut || history.length === historyHeights(at.entry.height, LOSS_POINTS).length;
  return {
    value: { height: at.entry.height, heldOutLoss: insight.lossOf(at), positions: insight.heldOut?.positions ?? 0, history },
    complete,
  };
}

export function contributors({ insight }: DashboardSources): unknown[] {
  return insight.contributors();
}

export function peers({ node }: DashboardSources): unknown[] {
  return peersWithReadiness(node.network).map((p) => ({
    id: p.id,
    address: p.address,
    inbound: p.direction === 'inbound',
    ready: p.ready,
    height: p.height,
    score: p.score,
    connectedAtMs: p.connectedAtMs,
  }));
}
