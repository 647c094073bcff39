/**
 * Names on the wire. Every topic and protocol carries the network's genesis hash (its first 16
 * bytes in hex), so two networks sharing a machine or a bootstrap list never exchange a message:
 * a peer of another network neither subscribes to our topics nor speaks our protocols.
 */
import { toHex } from '../../consensus/hash.ts';

/** Bytes of the genesis hash in every name: 128 bits, far beyond any accidental collision. */
export const GENESIS_TAG_BYTES = 16;

export interface GossipTopics {
  readonly blocks: string;
  readonly txs: string;
  readonly contributions: string;
}

export interface ReqRespProtocols {
  readonly status: string;
  readonly headers: string;
  readonly blocksByHash: string;
  readonly blocksByRange: string;
  /** A peer's mempool and contribution pool, asked for once it is ready (reqresp/pool.ts). */
  readonly pool: string;
}

export interface NetworkNames {
  /** Hex of the genesis hash's first 16 bytes. */
  readonly tag: string;
  readonly topics: GossipTopics;
  readonly protocols: ReqRespProtocols;
}

export type TopicKind = keyof GossipTopics;
export type ProtocolKind = keyof ReqRespProtocols;

export const TOPIC_KINDS: readonly TopicKind[] = ['blocks', 'txs', 'contributions'];
export const PROTOCOL_KINDS: readonly ProtocolKind[] = ['status', 'headers', 'blocksByHash', 'blocksByRange', 'pool'];

export function networkNames(genesisHash: Uint8Array): NetworkNames {
  if (genesisHash.length !== 32) throw new RangeError(`a genesis hash is 32 bytes, got ${genesisHash.length}`);
  const tag = toHex(genesisHash.subarray(0, GENESIS_TAG_BYTES));
  const root = `/gradientcoin/${tag}`;
  return Object.freeze({
    tag,
    topics: Object.freeze({ blocks: `${root}/blocks`, txs: `${root}/txs`, contributions: `${root}/contributions` }),
    protocols: Object.freeze({
      status: `${root}/status/1`,
      headers: `${root}/headers/1`,
      blocksByHash: `${root}/blocks-by-hash/1`,
      blocksByRange: `${root}/blocks-by-range/1`,
      pool: `${root}/pool/1`,
    }),
  });
}
