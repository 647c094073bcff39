/**
 * The peer-to-peer network of a node: the libp2p host with the GradientCoin protocols and topics,
 * started and stopped here, with its three parts wired together as Lodestar's network is:
 * the peer manager (peer-manager.ts: handshake, dialling, scores, bans), the gossip handlers
 * (gossip-handlers.ts: what each gossiped message is worth), and request/response serving and
 * headers-first sync (reqresp/, syncer.ts). The node wires a chain (and optionally a mempool and
 * a contribution pool) in, calls start() and stop(), announces what it mines or creates, and
 * listens to the events.
 */
import { EventEmitter } from 'node:events';
import type { PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import type { Block, Contribution, Transfer } from '../../consensus/types.ts';
import { encodeBlock } from '../../chain/block.ts';
import { encodeHeader } from '../../chain/header.ts';
import { encodeTransfer } from '../../chain/tx.ts';
import { encodeContribution } from '../../chain/contribution.ts';
import { silentLogger, type Logger } from '../log.ts';
import { BanList, type BanEntry, type BanReason } from './ban-list.ts';
import { BanFile } from './ban-file.ts';
import { describeError, P2PError } from './errors.ts';
import { GossipRouter, gossipOptions, topicLimits, type GossipCounters, type TopicLimits } from './gossip.ts';
import { gossipHandlers, type GossipValidators } from './gossip-handlers.ts';
import { localStatus, statusHandler } from './handshake.ts';
import { networkSettings, type NetworkSettings } from './network-options.ts';
import { createP2PNode, type NodeOptions, type P2PNode } from './node.ts';
import type { PeerJudgement } from './part-options.ts';
import { PeerManager, type PeerSummary } from './peer-manager.ts';
import { PeerScores, type ScoreOptions } from './peer-score.ts';
import { PeerTable } from './peer-table.ts';
import { networkNames, type NetworkNames, type TopicKind } from './protocols.ts';
import { blocksByHashHandler, blocksByRangeHandler, peekBlockHeader } from './reqresp/blocks.ts';
import { headersHandler } from './reqresp/headers.ts';
import { poolHandler, requestPool, type PooledItems } from './reqresp/pool.ts';
import { protocolLimits, type ProtocolLimitTable } from './reqresp/limits.ts';
import type { Status } from './reqresp/messages.ts';
import { ReqResp, type ReqRespCounters } from './reqresp/reqresp.ts';
import type { NetworkChain, NetworkContributions, NetworkMempool } from './seams.ts';
import { Syncer, type SyncedEvent, type SyncSettings, type SyncState } from './syncer.ts';
import type { ProgressReport } from './sync-progress.ts';

export interface P2PNetworkOptions extends Omit<NodeOptions, 'gossip' | 'gater'>, Partial<NetworkSettings> {
  readonly chain: NetworkChain;
  readonly mempool?: NetworkMempool;
  readonly contributions?: NetworkContributions;
  readonly log?: Logger;
  /** Milliseconds since the epoch (default Date.now): bans, scores, rate limits, header times. */
  readonly clockMs?: () => number;
  readonly sync?: Partial<SyncSettings>;
  readonly score?: Partial<ScoreOptions>;
  readonly banDurationMs?: Partial<Record<BanReason, number>>;
  /** Where bans are kept across restarts (the node uses <datadir>/banlist.json); default: memory only. */
  readonly banFile?: string;
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

export type { PeerSummary };

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

export class P2PNetwork extends EventEmitter<NetworkEvents> {
  readonly names: NetworkNames;
  readonly node: P2PNode;
  readonly settings: NetworkSettings;
  readonly #chain: NetworkChain;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #peerManager: PeerManager;
  readonly #peers: PeerTable;
  readonly #reqresp: ReqResp;
  readonly #gossip: GossipRouter;
  readonly #sync: Syncer;
  readonly #topicLimits: TopicLimits;
  readonly #banFile: BanFile | null;
  readonly #validators: GossipValidators;
  readonly #pools: { readonly mempool?: NetworkMempool; readonly contributions?: NetworkContributions };
  #timers: NodeJS.Timeout[] = [];
  #started = false;
  #stopping = false;

  private constructor(options: P2PNetworkOptions, node: P2PNode, names: NetworkNames, bans: BanList, scores: PeerScores, banFile: BanFile | null) {
    super();
    this.#banFile = banFile;
    this.#pools = {
      ...(options.mempool ? { mempool: options.mempool } : {}),
      ...(options.contributions ? { contributions: options.contributions } : {}),
    };
    this.settings = networkSettings(options);
    this.#chain = options.chain;
    this.#log = options.log ?? silentLogger();
    this.#now = options.clockMs ?? Date.now;
    this.names = names;
    this.node = node;
    const peers = (this.#peers = new PeerTable());
    // Request/response, gossip and sync all judge peers through the one peer manager and ban list.
    const judgement: PeerJudgement = {
      isBanned: (peer) => bans.isBanned(peer, this.#now()),
      onPeerAction: (peer, action, reason) => this.#peerManager.onPeerAction(peer, action, reason),
    };
    this.#topicLimits = topicLimits(this.#chain.params, options.maxGossipMessageBytes);
    this.#reqresp = new ReqResp({
      node,
      protocols: names.protocols,
      limits: options.limits ?? protocolLimits(this.#chain.params),
      log: this.#log,
      clockMs: this.#now,
      ...judgement,
    });
    this.#peerManager = new PeerManager({
      node,
      chain: this.#chain,
      reqresp: this.#reqresp,
      peers,
      bans,
      scores,
      settings: this.settings,
      bootnodes: options.bootnodes ?? [],
      privateNetwork: options.psk !== undefined,
      ...(options.banDurationMs ? { banDurationMs: options.banDurationMs } : {}),
      log: this.#log,
      clockMs: this.#now,
      onMoreWork: (from) => this.#sync.trigger(from),
    });
    this.#peerManager.on('peer:ready', (event) => {
      this.emit('peer:ready', event);
      void this.#exchangePools(event.peer);
    });
    this.#peerManager.on('peer:disconnected', (event) => this.emit('peer:disconnected', event));
    this.#peerManager.on('peer:banned', (entry) => this.emit('peer:banned', entry));
    this.#gossip = new GossipRouter({
      pubsub: node.services.pubsub,
      topics: names.topics,
      limits: this.#topicLimits,
      validators: (this.#validators = gossipHandlers({
        chain: this.#chain,
        ...(options.mempool ? { mempool: options.mempool } : {}),
        ...(options.contributions ? { contributions: options.contributions } : {}),
        reqresp: this.#reqresp,
        peers,
        peerManager: this.#peerManager,
        log: this.#log,
        clockMs: this.#now,
        syncFrom: (peer) => this.#sync.trigger(peer),
        onBlockAccepted: (event) => this.emit('gossip:block', event),
      })),
      ...judgement,
      log: this.#log,
      ...(options.gossipQueueCapacity ? { queueCapacity: options.gossipQueueCapacity } : {}),
    });
    this.#sync = new Syncer({
      chain: this.#chain,
      peers,
      reqresp: this.#reqresp,
      log: this.#log,
      clockMs: this.#now,
      ...judgement,
      ...(options.sync ? { settings: options.sync } : {}),
    });
    this.#sync.on('progress', (report) => this.emit('sync:progress', report));
    this.#sync.on('synced', (event) => {
      this.emit('sync:done', event);
      if (event.connected > 0) {
        this.#announceTip().catch((err: unknown) => this.#log.debug({ err: describeError(err) }, 'tip announcement failed'));
        this.#peerManager.refreshStatuses();
      }
    });
  }

  /** Builds the network (the host is created, not started). */
  static async create(options: P2PNetworkOptions): Promise<P2PNetwork> {
    const names = networkNames(options.chain.genesis().hash);
    const now = options.clockMs ?? Date.now;
    const log = options.log ?? silentLogger();
    const banFile = options.banFile === undefined ? null : new BanFile(options.banFile, log);
    const loaded = banFile ? await banFile.load(now()) : [];
    if (loaded.length > 0) log.info({ bans: loaded.length, file: options.banFile }, 'bans loaded');
    const bans = new BanList(loaded, banFile ? (entries) => banFile.save(entries) : undefined);
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
    return new P2PNetwork(options, node, names, bans, scores, banFile);
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
    await this.#reqresp.handle('status', statusHandler(chain, (peer, status) => this.#peerManager.onStatus(peer, status)));
    await this.#reqresp.handle('headers', headersHandler(chain));
    await this.#reqresp.handle('blocksByHash', blocksByHashHandler(chain));
    await this.#reqresp.handle('blocksByRange', blocksByRangeHandler(chain));
    await this.#reqresp.handle('pool', poolHandler(this.#pools, 2 * chain.params.gauntlet.maxContributions));
    this.#peerManager.start();
    await this.node.start();
    this.#gossip.start();
    const every = (ms: number, task: () => void): void => {
      const timer = setInterval(task, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.settings.statusIntervalMs, () => this.#peerManager.refreshStatuses());
    every(this.settings.maintenanceIntervalMs, () => this.#peerManager.maintain());
    // Own transfers and contributions announced before any peer subscribed go out once one does.
    every(this.settings.heldRetryMs, () => void this.#gossip.retryHeld().catch(() => undefined));
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
    this.#peerManager.stop();
    await this.node.stop();
    await this.#banFile?.flush();
    this.#log.info('p2p stopped');
  }

  /** Dials a multiaddr (with /p2p/<peer id>); resolves once connected. */
  async dial(address: string): Promise<void> {
    await this.node.dial(multiaddr(address));
  }

  peers(): PeerSummary[] {
    return this.#peerManager.summaries();
  }

  /** Peers that completed the handshake. */
  readyPeers(): string[] {
    return this.#peerManager.readyPeers();
  }

  bans(): BanEntry[] {
    return this.#peerManager.bans();
  }

  isBanned(peer: string): boolean {
    return this.#peerManager.isBanned(peer);
  }

  /** Bans a peer by id for `durationMs` (default: a misbehaving peer's ban) and disconnects it. */
  async ban(peer: string, detail = 'banned by the operator', durationMs?: number): Promise<BanEntry> {
    return this.#peerManager.ban(peer, 'manual', detail, durationMs);
  }

  unban(peer: string): boolean {
    return this.#peerManager.unban(peer);
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
    return {
      gossip: this.#gossip.counters(),
      reqresp: { ...this.#reqresp.counters },
      bans: this.#peerManager.bansIssued,
      wrongNetwork: this.#peerManager.wrongNetwork,
    };
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

  /**
   * A peer just became ready: what waits in its pools comes to ours, checked as gossip would be
   * (what was gossiped before it joined would otherwise never reach us, and ours never reach it:
   * it asks us the same). Only a node with pools asks.
   */
  async #exchangePools(peer: string): Promise<void> {
    if (!this.#pools.mempool && !this.#pools.contributions) return;
    const record = this.#peers.get(peer);
    if (!record || this.#stopping) return;
    let items: PooledItems;
    try {
      items = await requestPool(this.#reqresp, record.id);
    } catch (err) {
      this.#log.debug({ peer, err: describeError(err) }, 'pool exchange failed');
      return;
    }
    let accepted = 0;
    for (const bytes of items.contributions) if ((await this.#validators.contributions(bytes, peer)) === 'accept') accepted++;
    for (const bytes of items.transfers) if ((await this.#validators.txs(bytes, peer)) === 'accept') accepted++;
    this.#log.debug({ peer, transfers: items.transfers.length, contributions: items.contributions.length, accepted }, 'pools exchanged');
  }

  /** For tests and the node's status page: our own status as peers see it. */
  status(): Status {
    return localStatus(this.#chain);
  }
}

export { P2PError };
