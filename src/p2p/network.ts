/**
 * The peer-to-peer network of a node: the libp2p host with the GradientCoin protocols and topics,
 * the status handshake, gossip validation, request/response serving, headers-first sync, peer
 * scores and bans. The node wires a chain (and optionally a mempool and a contribution pool) in,
 * calls start() and stop(), announces what it mines or creates, and listens to the events.
 */
import { EventEmitter } from 'node:events';
import type { Connection, PeerId, PeerInfo } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { Block, Contribution, Header, Transfer } from '../../consensus/types.ts';
import { checkHeaderSanity } from '../../consensus/header-rules.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { toHex } from '../../consensus/hash.ts';
import { encodeBlock } from '../../chain/block.ts';
import { decodeHeader, encodeHeader, HEADER_BYTES, headerHash } from '../../chain/header.ts';
import { DecodeError } from '../../chain/errors.ts';
import { decodeTransfer, encodeTransfer } from '../../chain/tx.ts';
import { decodeContribution, encodeContribution } from '../../chain/contribution.ts';
import { silentLogger, type Logger } from '../log.ts';
import { BAN_DURATION_MS, BanList, type BanEntry, type BanReason } from './ban-list.ts';
import { describeError, isP2PError, P2PError } from './errors.ts';
import { GossipRouter, gossipOptions, topicLimits, type GossipCounters, type TopicLimits } from './gossip.ts';
import { localStatus, networkMismatch, requestStatus, statusHandler } from './handshake.ts';
import { createP2PNode, type NodeOptions, type P2PNode } from './node.ts';
import { PeerScores, type PeerAction, type ScoreOptions } from './peer-score.ts';
import { PeerTable, type PeerRecord } from './peers.ts';
import { networkNames, type NetworkNames, type TopicKind } from './protocols.ts';
import { blocksByHashHandler, blocksByRangeHandler, peekBlockHeader, requestBlocksByHash } from './reqresp/blocks.ts';
import { headersHandler } from './reqresp/headers.ts';
import { protocolLimits, type ProtocolLimitTable } from './reqresp/limits.ts';
import type { Status } from './reqresp/messages.ts';
import { ReqResp, type ReqRespCounters } from './reqresp/reqresp.ts';
import type { NetworkChain, NetworkContributions, NetworkMempool, Verdict } from './seams.ts';
import { Syncer, type SyncedEvent, type SyncSettings, type SyncState } from './sync.ts';
import type { ProgressReport } from './sync-progress.ts';

export interface P2PNetworkOptions extends Omit<NodeOptions, 'gossip' | 'gater'> {
  readonly chain: NetworkChain;
  readonly mempool?: NetworkMempool;
  readonly contributions?: NetworkContributions;
  readonly log?: Logger;
  /** Milliseconds since the epoch (default Date.now): bans, scores, rate limits, header times. */
  readonly nowMs?: () => number;
  /** Keep dialling discovered peers while fewer than this many are connected. */
  readonly targetPeers?: number;
  /** How often statuses are exchanged again with every peer. */
  readonly statusIntervalMs?: number;
  readonly sync?: Partial<SyncSettings>;
  readonly score?: Partial<ScoreOptions>;
  readonly banDurationMs?: Partial<Record<BanReason, number>>;
  /** Protocol limits, for tests that need shorter timeouts or other rates. */
  readonly limits?: ProtocolLimitTable;
  readonly gossipQueueCapacity?: Partial<Record<TopicKind, number>>;
  /**
   * Blocks larger than this are gossiped as their header (peers fetch the body). The default is
   * what gossipsub can carry; every node of a network must use the same value, so only tests that
   * exercise header announcements change it.
   */
  readonly maxGossipMessageBytes?: number;
}

export interface PeerSummary {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  readonly address: string | null;
  readonly connectedAtMs: number;
  readonly height: number | null;
  readonly tip: string | null;
  readonly chainwork: bigint | null;
  readonly score: number;
}

export interface NetworkCounters {
  readonly gossip: GossipCounters;
  readonly reqresp: ReqRespCounters;
  readonly bans: number;
  readonly wrongNetwork: number;
}

export interface NetworkEvents {
  'peer:ready': [{ readonly peer: string; readonly status: Status }];
  'peer:disconnected': [{ readonly peer: string }];
  'peer:banned': [BanEntry];
  /** A gossiped block was accepted (connected, reorganised or stored on a side branch). */
  'gossip:block': [{ readonly hash: Uint8Array; readonly height: number; readonly from: string }];
  'sync:progress': [ProgressReport];
  'sync:done': [SyncedEvent];
}

/** Peers dialled at most this often after a failed dial. */
const REDIAL_BACKOFF_MS = 30_000;
const MAINTENANCE_INTERVAL_MS = 10_000;
/** How often own messages held for want of subscribers are tried again. */
const HELD_RETRY_MS = 1_000;
const WRONG_NETWORK_GRACE_MS = 1_000;

export class P2PNetwork extends EventEmitter<NetworkEvents> {
  readonly names: NetworkNames;
  readonly node: P2PNode;
  readonly #o: P2PNetworkOptions;
  readonly #chain: NetworkChain;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #bans: BanList;
  readonly #scores: PeerScores;
  readonly #peers = new PeerTable();
  readonly #reqresp: ReqResp;
  readonly #gossip: GossipRouter;
  readonly #sync: Syncer;
  readonly #dialedAt = new Map<string, number>();
  readonly #topicLimits: TopicLimits;
  #bansIssued = 0;
  #wrongNetwork = 0;
  #timers: NodeJS.Timeout[] = [];
  #started = false;
  #stopping = false;

  private constructor(options: P2PNetworkOptions, node: P2PNode, names: NetworkNames, bans: BanList, scores: PeerScores) {
    super();
    this.#o = options;
    this.#chain = options.chain;
    this.#log = options.log ?? silentLogger();
    this.#now = options.nowMs ?? Date.now;
    this.names = names;
    this.node = node;
    this.#bans = bans;
    this.#scores = scores;
    const onPeerAction = (peer: string, action: PeerAction, reason: string): void => this.#onPeerAction(peer, action, reason);
    const isBanned = (peer: string): boolean => this.#bans.isBanned(peer, this.#now());
    this.#topicLimits = topicLimits(this.#chain.params, options.maxGossipMessageBytes);
    this.#reqresp = new ReqResp({
      node,
      protocols: names.protocols,
      limits: options.limits ?? protocolLimits(this.#chain.params),
      log: this.#log,
      nowMs: this.#now,
      isBanned,
      onPeerAction,
    });
    this.#gossip = new GossipRouter({
      pubsub: node.services.pubsub,
      topics: names.topics,
      limits: this.#topicLimits,
      validators: {
        blocks: (data, from) => this.#validateBlock(data, from),
        txs: (data, from) => this.#validateTransfer(data, from),
        contributions: (data, from) => this.#validateContribution(data, from),
      },
      onPeerAction,
      isBanned,
      log: this.#log,
      ...(options.gossipQueueCapacity ? { queueCapacity: options.gossipQueueCapacity } : {}),
    });
    this.#sync = new Syncer({
      chain: this.#chain,
      peers: this.#peers,
      reqresp: this.#reqresp,
      log: this.#log,
      nowMs: this.#now,
      isBanned,
      onPeerAction,
      ...(options.sync ? { settings: options.sync } : {}),
    });
    this.#sync.on('progress', (report) => this.emit('sync:progress', report));
    this.#sync.on('synced', (event) => {
      this.emit('sync:done', event);
      if (event.connected > 0) {
        this.#announceTip().catch((err: unknown) => this.#log.debug({ err: describeError(err) }, 'tip announcement failed'));
        this.#refreshStatuses();
      }
    });
  }

  /** Builds the network (the host is created, not started). */
  static async create(options: P2PNetworkOptions): Promise<P2PNetwork> {
    const names = networkNames(options.chain.genesis().hash);
    const now = options.nowMs ?? Date.now;
    const bans = new BanList();
    const scores = new PeerScores(options.score);
    const isBanned = (peer: PeerId): boolean => bans.isBanned(peer.toString(), now());
    const node = await createP2PNode({
      ...options,
      gater: {
        denyDialPeer: isBanned,
        denyInboundEncryptedConnection: isBanned,
        denyOutboundEncryptedConnection: isBanned,
      },
      gossip: gossipOptions(names.topics, (peer) => scores.get(peer, now())),
    });
    return new P2PNetwork(options, node, names, bans, scores);
  }

  get peerId(): string {
    return this.node.peerId.toString();
  }

  /** Listen addresses with /p2p/<peer id>, for others to dial. */
  addresses(): string[] {
    return this.node.getMultiaddrs().map((ma) => ma.toString());
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const chain = this.#chain;
    await this.#reqresp.handle('status', statusHandler(chain, (peer, status) => this.#onStatus(peer, status)));
    await this.#reqresp.handle('headers', headersHandler(chain));
    await this.#reqresp.handle('blocksByHash', blocksByHashHandler(chain));
    await this.#reqresp.handle('blocksByRange', blocksByRangeHandler(chain));
    this.node.addEventListener('peer:connect', this.#onConnect);
    this.node.addEventListener('peer:disconnect', this.#onDisconnect);
    this.node.addEventListener('peer:discovery', this.#onDiscovery);
    await this.node.start();
    this.#gossip.start();
    const every = (ms: number, task: () => void): void => {
      const timer = setInterval(task, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.#o.statusIntervalMs ?? 60_000, () => this.#refreshStatuses());
    every(MAINTENANCE_INTERVAL_MS, () => this.#maintain());
    // Own transfers and contributions announced before any peer subscribed go out once one does.
    every(HELD_RETRY_MS, () => void this.#gossip.retryHeld().catch(() => undefined));
    this.#log.info({ peerId: this.peerId, addresses: this.addresses(), network: this.names.tag }, 'p2p started');
  }

  async stop(): Promise<void> {
    if (!this.#started || this.#stopping) return;
    this.#stopping = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#sync.stop();
    this.#gossip.stop();
    await this.#reqresp.stop();
    this.node.removeEventListener('peer:connect', this.#onConnect);
    this.node.removeEventListener('peer:disconnect', this.#onDisconnect);
    this.node.removeEventListener('peer:discovery', this.#onDiscovery);
    await this.node.stop();
    this.#log.info('p2p stopped');
  }

  /** Dials a multiaddr (with /p2p/<peer id>); resolves once connected. */
  async dial(address: string): Promise<void> {
    await this.node.dial(multiaddr(address));
  }

  peers(): PeerSummary[] {
    const now = this.#now();
    return this.#peers.all().map((p) => {
      const connection = this.node.getConnections(p.id)[0];
      return {
        id: p.key,
        direction: p.direction,
        address: connection ? connection.remoteAddr.toString() : null,
        connectedAtMs: p.connectedAtMs,
        height: p.status?.height ?? null,
        tip: p.status ? toHex(p.status.tipHash) : null,
        chainwork: p.status?.chainwork ?? null,
        score: this.#scores.get(p.key, now),
      };
    });
  }

  /** Peers that completed the handshake. */
  readyPeers(): string[] {
    return this.#peers.ready().map((p) => p.key);
  }

  bans(): BanEntry[] {
    return this.#bans.list(this.#now());
  }

  isBanned(peer: string): boolean {
    return this.#bans.isBanned(peer, this.#now());
  }

  /** Bans a peer by id for `durationMs` (default: a misbehaving peer's ban) and disconnects it. */
  async ban(peer: string, detail = 'banned by the operator', durationMs?: number): Promise<BanEntry> {
    return this.#ban(peer, 'manual', detail, durationMs);
  }

  unban(peer: string): boolean {
    this.#scores.reset(peer);
    return this.#bans.unban(peer);
  }

  syncState(): SyncState {
    return this.#sync.state();
  }

  /** Starts a sync round now (one also starts by itself when a peer claims more work). */
  requestSync(): void {
    this.#sync.trigger();
  }

  /** Resolves when no sync round is running. */
  async syncIdle(): Promise<void> {
    await this.#sync.idle();
  }

  counters(): NetworkCounters {
    return { gossip: this.#gossip.counters(), reqresp: { ...this.#reqresp.counters }, bans: this.#bansIssued, wrongNetwork: this.#wrongNetwork };
  }

  /**
   * Gossips a block (ours or one the node accepted); returns the peers it went to. A block too
   * large for a gossip message goes out as its header, and peers fetch the body from us.
   */
  async announceBlock(block: Block | Uint8Array): Promise<number> {
    const bytes = block instanceof Uint8Array ? block : encodeBlock(block);
    const message = bytes.length <= this.#topicLimits.blocks ? bytes : encodeHeader(peekBlockHeader(bytes).header);
    return this.#gossip.publish('blocks', message);
  }

  async announceTransfer(tx: Transfer | Uint8Array): Promise<number> {
    return this.#gossip.publishOrHold('txs', tx instanceof Uint8Array ? tx : encodeTransfer(tx));
  }

  /** Own transfers and contributions waiting for a first subscriber. */
  heldAnnouncements(): number {
    return this.#gossip.heldCount;
  }

  async announceContribution(contribution: Contribution | Uint8Array): Promise<number> {
    return this.#gossip.publishOrHold('contributions', contribution instanceof Uint8Array ? contribution : encodeContribution(contribution));
  }

  /**
   * After a sync, the new tip is gossiped (as Bitcoin announces every new tip) and our status sent
   * to every peer: peers that lack the tip sync from us, which is how two halves of a healed
   * partition find the heavier chain. Peers that have it drop the block as a duplicate.
   */
  async #announceTip(): Promise<void> {
    const tip = this.#chain.tip();
    if (tip.height === 0) return;
    const bytes = await this.#chain.getBlockBytes(tip.hash);
    if (!bytes || this.#stopping) return;
    await this.announceBlock(bytes);
  }

  // ---- peers ---------------------------------------------------------------------------------

  readonly #onConnect = (event: CustomEvent<PeerId>): void => {
    const id = event.detail;
    const key = id.toString();
    if (this.#bans.isBanned(key, this.#now())) {
      void this.#hangUp(id);
      return;
    }
    const connection: Connection | undefined = this.node.getConnections(id)[0];
    const record = this.#peers.add(id, connection?.direction ?? 'inbound', this.#now());
    void this.#handshake(record);
  };

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    const key = event.detail.toString();
    if (!this.#peers.remove(key)) return;
    this.#reqresp.forgetPeer(key);
    this.emit('peer:disconnected', { peer: key });
  };

  readonly #onDiscovery = (event: CustomEvent<PeerInfo>): void => {
    const { id } = event.detail;
    const key = id.toString();
    const now = this.#now();
    if (this.#stopping || key === this.peerId || this.#peers.has(key) || this.#bans.isBanned(key, now)) return;
    if (this.#peers.size >= (this.#o.targetPeers ?? 16)) return;
    if (now - (this.#dialedAt.get(key) ?? -Infinity) < REDIAL_BACKOFF_MS) return;
    this.#dialedAt.set(key, now);
    this.node.dial(id).catch((err: unknown) => this.#log.debug({ peer: key, err: describeError(err) }, 'dial failed'));
  };

  async #handshake(peer: PeerRecord): Promise<void> {
    try {
      const status = await requestStatus(this.#reqresp, peer.id, this.#chain);
      this.#onStatus(peer.key, status);
    } catch (err) {
      if (this.#stopping || !this.#peers.has(peer.key)) return;
      this.#log.debug({ peer: peer.key, err: describeError(err) }, 'status request failed');
      if (isP2PError(err, 'unsupported-protocol')) {
        // Our status protocol carries our genesis: a peer without it is on another network.
        this.#wrongNetwork += 1;
        await this.#ban(peer.key, 'wrong-network', err.reason);
        return;
      }
      // Its own status request may still have arrived; without either, the peer is of no use.
      if (!this.#peers.get(peer.key)?.status) await this.#hangUp(peer.id);
    }
  }

  #onStatus(peer: string, status: Status): void {
    const mismatch = networkMismatch(this.#chain.genesis().hash, status);
    if (mismatch) {
      this.#wrongNetwork += 1;
      void this.#ban(peer, 'wrong-network', mismatch);
      return;
    }
    const record = this.#peers.get(peer);
    if (!record) return;
    const first = record.status === null;
    this.#peers.setStatus(peer, status, this.#now());
    if (first) {
      this.#log.debug({ peer, height: status.height, tip: toHex(status.tipHash) }, 'peer ready');
      this.emit('peer:ready', { peer, status });
    }
    if (status.chainwork > this.#chain.tip().chainwork) this.#sync.trigger();
  }

  #refreshStatuses(): void {
    for (const peer of this.#peers.all()) void this.#handshake(peer);
  }

  #maintain(): void {
    const now = this.#now();
    this.#scores.prune(now);
    for (const [key, at] of this.#dialedAt) if (now - at > REDIAL_BACKOFF_MS) this.#dialedAt.delete(key);
    // A peer may claim more work than we have without a status change reaching us (a missed trigger).
    if (this.#peers.best(this.#chain.tip().chainwork)) this.#sync.trigger();
    // @libp2p/bootstrap dials its list once; with too few peers, the list is dialled again.
    if (this.#peers.size < (this.#o.targetPeers ?? 16)) {
      for (const address of this.#o.bootstrap ?? []) {
        if (now - (this.#dialedAt.get(address) ?? -Infinity) < REDIAL_BACKOFF_MS) continue;
        this.#dialedAt.set(address, now);
        this.node.dial(multiaddr(address)).catch((err: unknown) => this.#log.debug({ address, err: describeError(err) }, 'bootstrap dial failed'));
      }
    }
  }

  #onPeerAction(peer: string, action: PeerAction, reason: string): void {
    const now = this.#now();
    if (this.#bans.isBanned(peer, now)) return;
    const ban = this.#scores.apply(peer, action, now);
    this.#log.debug({ peer, action, reason, score: this.#scores.get(peer, now) }, 'peer penalised');
    if (ban) void this.#ban(peer, 'misbehaving', reason);
  }

  async #ban(peer: string, reason: BanReason, detail: string, durationMs?: number): Promise<BanEntry> {
    const duration = durationMs ?? this.#o.banDurationMs?.[reason] ?? BAN_DURATION_MS[reason];
    const entry = this.#bans.ban(peer, reason, detail, this.#now() + duration);
    this.#bansIssued += 1;
    this.#log.warn({ peer, reason, detail, untilMs: entry.untilMs }, 'peer banned');
    this.emit('peer:banned', entry);
    const record = this.#peers.get(peer);
    const id = record?.id ?? this.node.getConnections().find((c) => c.remotePeer.toString() === peer)?.remotePeer;
    if (id) {
      if (reason === 'wrong-network') {
        // A moment's grace lets the other side's own status request fail the same way, so it
        // bans us too instead of redialling a connection that merely dropped.
        await new Promise((resolve) => setTimeout(resolve, WRONG_NETWORK_GRACE_MS).unref());
      }
      await this.#hangUp(id);
    }
    return entry;
  }

  async #hangUp(id: PeerId): Promise<void> {
    try {
      await this.node.hangUp(id, { signal: AbortSignal.timeout(2_000) });
    } catch (err) {
      for (const connection of this.node.getConnections(id)) connection.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  // ---- gossip validation ---------------------------------------------------------------------

  async #validateBlock(data: Uint8Array, from: string): Promise<Verdict> {
    let header: Header;
    try {
      header = data.length === HEADER_BYTES ? decodeHeader(data) : peekBlockHeader(data).header;
    } catch (err) {
      this.#onPeerAction(from, 'fatal', `gossip block: ${describeError(err)}`);
      return 'reject';
    }
    const hash = headerHash(header);
    const invalid = this.#chain.getInvalid(hash);
    if (invalid) {
      this.#onPeerAction(from, 'fatal', `gossip block ${toHex(hash)} is known invalid: ${invalid.reason}`);
      return 'reject';
    }
    if (this.#chain.getEntry(hash)) return 'ignore';
    let bytes = data;
    if (data.length === HEADER_BYTES) {
      const body = await this.#fetchAnnounced(header, hash, from);
      if (body === 'reject' || body === 'ignore') return body;
      bytes = body;
    }
    try {
      const result = await this.#chain.addBlock(bytes);
      switch (result.status) {
        case 'connected':
        case 'reorganized':
        case 'side': {
          const entry = this.#chain.getEntry(hash);
          if (entry) {
            this.#peers.noteTip(from, hash, entry.height, entry.chainwork, this.#now());
            this.emit('gossip:block', { hash, height: entry.height, from });
          }
          return 'accept';
        }
        case 'orphan':
          this.#sync.trigger(from);
          return 'ignore';
        case 'duplicate':
          return 'ignore';
      }
    } catch (err) {
      if (isVerifyError(err)) {
        if (err.score >= 100) {
          this.#onPeerAction(from, 'fatal', `gossip block ${toHex(hash)}: ${err.message}`);
          return 'reject';
        }
        // A block not stored (low work, …) is not relayed; what it cost us is charged, up to a ban.
        if (err.score > 0 && this.#scores.penalize(from, err.score, this.#now())) void this.#ban(from, 'misbehaving', `gossip block ${toHex(hash)}: ${err.message}`);
        return 'ignore';
      }
      this.#log.warn({ peer: from, err: describeError(err) }, 'gossip block could not be added');
      return 'ignore';
    }
  }

  /**
   * The body of a block announced by its header, from the peer that announced it, once the header
   * has its proof of work and a parent we know (without one, we sync from that peer instead).
   */
  async #fetchAnnounced(header: Header, hash: Uint8Array, from: string): Promise<Uint8Array | 'reject' | 'ignore'> {
    try {
      checkHeaderSanity(this.#chain.params, header, hash);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      this.#onPeerAction(from, 'fatal', `gossip header ${toHex(hash)}: ${err.message}`);
      return 'reject';
    }
    if (!this.#chain.getEntry(header.parentHash)) {
      this.#sync.trigger(from);
      return 'ignore';
    }
    const peer = this.#peers.get(from);
    if (!peer) return 'ignore';
    try {
      const [block] = await requestBlocksByHash(this.#reqresp, peer.id, [hash]);
      if (block) return block.bytes;
      this.#onPeerAction(from, 'mid-tolerance', `announced block ${toHex(hash)} and did not serve it`);
    } catch (err) {
      this.#log.debug({ peer: from, err: describeError(err) }, 'announced block could not be fetched');
    }
    return 'ignore';
  }

  async #validateTransfer(data: Uint8Array, from: string): Promise<Verdict> {
    let tx: Transfer;
    try {
      tx = decodeTransfer(data);
    } catch (err) {
      return this.#undecodable('transfer', from, err);
    }
    if (!this.#o.mempool) return 'ignore';
    const verdict = await this.#o.mempool.addTransfer(tx, data, from);
    if (verdict === 'reject') this.#onPeerAction(from, 'fatal', 'gossip transfer is invalid');
    return verdict;
  }

  async #validateContribution(data: Uint8Array, from: string): Promise<Verdict> {
    let contribution: Contribution;
    try {
      contribution = decodeContribution(data);
    } catch (err) {
      return this.#undecodable('contribution', from, err);
    }
    if (!this.#o.contributions) return 'ignore';
    const verdict = await this.#o.contributions.addContribution(contribution, data, from);
    if (verdict === 'reject') this.#onPeerAction(from, 'fatal', 'gossip contribution is invalid');
    return verdict;
  }

  #undecodable(what: string, from: string, err: unknown): Verdict {
    if (!(err instanceof DecodeError)) throw err;
    this.#onPeerAction(from, 'fatal', `gossip ${what}: ${err.message}`);
    return 'reject';
  }

  /** For tests and the node's status page: our own status as peers see it. */
  status(): Status {
    return localStatus(this.#chain);
  }
}

export { P2PError };
