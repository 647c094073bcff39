/**
 * What the RPC methods see of the node: its chain and mempool to read, and the few actions a call
 * may take (submit a block or a transfer, which also announces it to peers; stop). The full node
 * (src/node/full-node.ts) provides it; nothing here knows how the node is wired.
 */
import type { AddResult, Chain } from '../../../chain/chain.ts';
import type { Transfer } from '../../../consensus/types.ts';
import type { Mempool, MempoolAddResult } from '../../mempool/mempool.ts';
import type { P2PNetwork } from '../../p2p/network.ts';
import type { DroppedTransfers } from '../../node/dropped-transfers.ts';
import type { AddressIndex } from '../../indexes/address-index.ts';

/** The parts of the P2P network the RPC reports on. */
export type RpcNetwork = Pick<P2PNetwork, 'peerId' | 'addresses' | 'peers' | 'readyPeers' | 'syncState' | 'counters' | 'bans'>;

export interface MiningStatus {
  readonly threads: number;
  /** The address paid by the blocks this node mines, as a string. */
  readonly minerAddress: string;
  /** Hashes per second over the last few seconds. */
  readonly hashRate: number;
  readonly blocksFound: number;
  readonly running: boolean;
}

export interface NetworkSettings {
  readonly mdns: boolean;
  /** A pre-shared key closes the network to hosts without it. */
  readonly privateNetwork: boolean;
}

export interface RpcNode {
  readonly chain: Chain;
  readonly mempool: Mempool;
  /** getaddresshistory reads it; null when the node keeps none (history then scans the chain). */
  readonly addressIndex: AddressIndex | null;
  /** null when the node runs without its P2P network. */
  readonly network: RpcNetwork | null;
  readonly networkSettings: NetworkSettings;
  /** Transfers reorganisations removed from the chain that could not return to the mempool. */
  readonly dropped: DroppedTransfers;
  readonly version: string;
  /** When the node started, milliseconds since the epoch. */
  readonly startedAtMs: number;
  /** The node's clock, milliseconds since the epoch. */
  clockMs(): number;
  /** null when the node does not mine. */
  mining(): MiningStatus | null;
  /** Adds a block to the chain and announces it when it was stored; throws VerifyError. */
  submitBlock(bytes: Uint8Array): Promise<AddResult>;
  /** Adds a transfer to the mempool and announces it; throws MempoolError. */
  submitTransfer(tx: Transfer): MempoolAddResult;
  /** Starts a graceful stop once the current response has been sent. */
  requestStop(): void;
}
