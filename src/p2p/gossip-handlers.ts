/**
 * What to do with each gossiped message, as Lodestar's gossip handlers: decode it, check it against
 * the chain or a pool, and answer gossipsub with a verdict (accept relays it, ignore drops it,
 * reject drops it and blames the sender). Undecodable data and consensus-invalid blocks, transfers
 * and contributions cost the sender its score; what merely depends on our state (a duplicate, an
 * orphan, a full pool) is ignored without blame.
 *
 * A block too large for a gossip message is announced by its header: it is checked for its proof
 * of work, and its body fetched from the peer that announced it.
 */
import type { Contribution, Header, Transfer } from '../../consensus/types.ts';
import { checkHeaderSanity } from '../../consensus/header-rules.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { toHex } from '../../consensus/hash.ts';
import { decodeHeader, HEADER_BYTES, headerHash } from '../../chain/header.ts';
import { DecodeError } from '../../chain/errors.ts';
import { decodeTransfer } from '../../chain/tx.ts';
import { decodeContribution } from '../../chain/contribution.ts';
import { describeError } from './errors.ts';
import type { PartServices } from './part-options.ts';
import type { PeerManager } from './peer-manager.ts';
import type { PeerTable } from './peer-table.ts';
import { peekBlockHeader, requestBlocksByHash } from './reqresp/blocks.ts';
import type { ReqResp } from './reqresp/reqresp.ts';
import type { NetworkChain, NetworkContributions, NetworkMempool, Verdict } from './seams.ts';
import type { TopicKind } from './protocols.ts';

export interface GossipHandlerOptions extends PartServices {
  readonly chain: NetworkChain;
  readonly mempool?: NetworkMempool;
  readonly contributions?: NetworkContributions;
  readonly reqresp: ReqResp;
  readonly peers: PeerTable;
  /** The handlers blame peers through the manager itself, not through PeerJudgement. */
  readonly peerManager: PeerManager;
  /** A block arrived whose parent we lack, or was announced by a header we cannot place: sync from its sender. */
  readonly syncFrom: (peer: string) => void;
  /** A gossiped block was accepted (connected, reorganised or stored on a side branch). */
  readonly onBlockAccepted: (event: { readonly hash: Uint8Array; readonly height: number; readonly from: string }) => void;
}

export type GossipValidators = Readonly<Record<TopicKind, (data: Uint8Array, from: string) => Promise<Verdict>>>;

export function gossipHandlers(o: GossipHandlerOptions): GossipValidators {
  const { chain, peerManager } = o;
  const blame = (peer: string, reason: string): void => peerManager.onPeerAction(peer, 'fatal', reason);

  const undecodable = (what: string, from: string, err: unknown): Verdict => {
    if (!(err instanceof DecodeError)) throw err;
    blame(from, `gossip ${what}: ${err.message}`);
    return 'reject';
  };

  /**
   * The body of a block announced by its header, from the peer that announced it, once the header
   * has its proof of work and a parent we know (without one, we sync from that peer instead).
   */
  const fetchAnnounced = async (header: Header, hash: Uint8Array, from: string): Promise<Uint8Array | 'reject' | 'ignore'> => {
    try {
      checkHeaderSanity(chain.params, header, hash);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      blame(from, `gossip header ${toHex(hash)}: ${err.message}`);
      return 'reject';
    }
    if (!chain.getEntry(header.parentHash)) {
      o.syncFrom(from);
      return 'ignore';
    }
    const peer = o.peers.get(from);
    if (!peer) return 'ignore';
    try {
      const [block] = await requestBlocksByHash(o.reqresp, peer.id, [hash]);
      if (block) return block.bytes;
      peerManager.onPeerAction(from, 'mid-tolerance', `announced block ${toHex(hash)} and did not serve it`);
    } catch (err) {
      o.log.debug({ peer: from, err: describeError(err) }, 'announced block could not be fetched');
    }
    return 'ignore';
  };

  const blocks = async (data: Uint8Array, from: string): Promise<Verdict> => {
    let header: Header;
    try {
      header = data.length === HEADER_BYTES ? decodeHeader(data) : peekBlockHeader(data).header;
    } catch (err) {
      blame(from, `gossip block: ${describeError(err)}`);
      return 'reject';
    }
    const hash = headerHash(header);
    const invalid = chain.getInvalid(hash);
    if (invalid) {
      blame(from, `gossip block ${toHex(hash)} is known invalid: ${invalid.reason}`);
      return 'reject';
    }
    if (chain.getEntry(hash)) return 'ignore';
    let bytes = data;
    if (data.length === HEADER_BYTES) {
      const body = await fetchAnnounced(header, hash, from);
      if (body === 'reject' || body === 'ignore') return body;
      bytes = body;
    }
    try {
      const result = await chain.addBlock(bytes);
      switch (result.status) {
        case 'connected':
        case 'reorganized':
        case 'side': {
          const entry = chain.getEntry(hash);
          if (entry) {
            o.peers.noteTip(from, hash, entry.height, entry.chainwork, o.clockMs());
            o.onBlockAccepted({ hash, height: entry.height, from });
          }
          return 'accept';
        }
        case 'orphan':
          o.syncFrom(from);
          return 'ignore';
        case 'duplicate':
          return 'ignore';
      }
    } catch (err) {
      if (isVerifyError(err)) {
        if (err.score >= 100) {
          blame(from, `gossip block ${toHex(hash)}: ${err.message}`);
          return 'reject';
        }
        // A block not stored (low work, …) is not relayed; what it cost us is charged, up to a ban.
        if (err.score > 0) peerManager.penalize(from, err.score, `gossip block ${toHex(hash)}: ${err.message}`);
        return 'ignore';
      }
      o.log.warn({ peer: from, err: describeError(err) }, 'gossip block could not be added');
      return 'ignore';
    }
  };

  const txs = async (data: Uint8Array, from: string): Promise<Verdict> => {
    let tx: Transfer;
    try {
      tx = decodeTransfer(data);
    } catch (err) {
      return undecodable('transfer', from, err);
    }
    if (!o.mempool) return 'ignore';
    const verdict = await o.mempool.addTransfer(tx, data, from);
    if (verdict === 'reject') blame(from, 'gossip transfer is invalid');
    return verdict;
  };

  const contributions = async (data: Uint8Array, from: string): Promise<Verdict> => {
    let contribution: Contribution;
    try {
      contribution = decodeContribution(data);
    } catch (err) {
      return undecodable('contribution', from, err);
    }
    if (!o.contributions) return 'ignore';
    const verdict = await o.contributions.addContribution(contribution, data, from);
    if (verdict === 'reject') blame(from, 'gossip contribution is invalid');
    return verdict;
  };

  return Object.freeze({ blocks, txs, contributions });
}

