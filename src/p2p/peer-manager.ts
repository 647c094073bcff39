/**
 * The peers of a node, as Lodestar's PeerManager: who is connected and what each claims (the
 * status handshake, repeated on an interval), who is dialled (discovered peers and the bootstrap
 * list while below the target), and what a peer's behaviour costs it (scores, then bans, which
 * outlast a restart when the ban list has a file). Gossip and sync report misbehaviour here
 * through onPeerAction; nothing else disconnects a peer.
 */
import { EventEmitter } from 'node:events';
import type { Connection, PeerId, PeerInfo } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { toHex } from '../../consensus/hash.ts';
import { BAN_DURATION_MS, type BanEntry, type BanList, type BanReason } from './ban-list.ts';
import { describeError, isP2PError } from './errors.ts';
import { networkMismatch, requestStatus } from './handshake.ts';
import { DialFailures } from './dial-failures.ts';
import type { NetworkSettings } from './network-options.ts';
import type { P2PNode } from './node.ts';
import type { PartServices } from './part-options.ts';
import type { PeerAction, PeerScores } from './peer-score.ts';
import type { PeerRecord, PeerTable } from './peer-table.ts';
import type { Status } from './reqresp/messages.ts';
import type { ReqResp } from './reqresp/reqresp.ts';
import type { NetworkChain } from './seams.ts';

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

export interface PeerManagerEvents {
  'peer:ready': [{ readonly peer: string; readonly status: Status }];
  'peer:disconnected': [{ readonly peer: string }];
  'peer:banned': [BanEntry];
}

export interface PeerManagerOptions extends PartServices {
  readonly node: P2PNode;
  readonly chain: NetworkChain;
  readonly reqresp: ReqResp;
  readonly peers: PeerTable;
  readonly bans: BanList;
  readonly scores: PeerScores;
  readonly settings: NetworkSettings;
  /** Multiaddrs redialled while below the target. */
  readonly bootnodes: readonly string[];
  /** A swarm key is in use: failing handshakes then most likely mean another key. */
  readonly privateNetwork: boolean;
  readonly banDurationMs?: Partial<Record<BanReason, number>>;
  /** A peer claims more work than our tip (or we may have missed one that does). */
  readonly onMoreWork: (from?: string) => void;
}

export class PeerManager extends EventEmitter<PeerManagerEvents> {
  readonly #options: PeerManagerOptions;
  readonly #dialedAt = new Map<string, number>();
  readonly #dialFailures: DialFailures;
  #bansIssued = 0;
  #wrongNetwork = 0;
  #stopping = false;

  constructor(options: PeerManagerOptions) {
    super();
    this.#options = options;
    this.#dialFailures = new DialFailures(options.privateNetwork);
  }

  get bansIssued(): number {
    return this.#bansIssued;
  }

  get wrongNetwork(): number {
    return this.#wrongNetwork;
  }

  start(): void {
    const { node } = this.#options;
    node.addEventListener('peer:connect', this.#onConnect);
    node.addEventListener('peer:disconnect', this.#onDisconnect);
    node.addEventListener('peer:discovery', this.#onDiscovery);
  }

  /** Stops dialling and handshaking (the host is stopped by the network). */
  stop(): void {
    this.#stopping = true;
    const { node } = this.#options;
    node.removeEventListener('peer:connect', this.#onConnect);
    node.removeEventListener('peer:disconnect', this.#onDisconnect);
    node.removeEventListener('peer:discovery', this.#onDiscovery);
  }

  summaries(): PeerSummary[] {
    const now = this.#options.clockMs();
    return this.#options.peers.all().map((p) => {
      const connection = this.#options.node.getConnections(p.id)[0];
      return {
        id: p.key,
        direction: p.direction,
        address: connection ? connection.remoteAddr.toString() : null,
        connectedAtMs: p.connectedAtMs,
        height: p.status?.height ?? null,
        tip: p.status ? toHex(p.status.tipHash) : null,
        chainwork: p.status?.chainwork ?? null,
        score: this.#options.scores.get(p.key, now),
      };
    });
  }

  /** Peers that completed the handshake. */
  readyPeers(): string[] {
    return this.#options.peers.ready().map((p) => p.key);
  }

  isBanned(peer: string): boolean {
    return this.#options.bans.isBanned(peer, this.#options.clockMs());
  }

  bans(): BanEntry[] {
    return this.#options.bans.list(this.#options.clockMs());
  }

  unban(peer: string): boolean {
    this.#options.scores.reset(peer);
    return this.#options.bans.unban(peer);
  }

  /** What a peer did, charged to its score; a score spent is a ban. */
  onPeerAction(peer: string, action: PeerAction, reason: string): void {
    const now = this.#options.clockMs();
    if (this.#options.bans.isBanned(peer, now)) return;
    const ban = this.#options.scores.apply(peer, action, now);
    this.#options.log.debug({ peer, action, reason, score: this.#options.scores.get(peer, now) }, 'peer penalised');
    if (ban) void this.ban(peer, 'misbehaving', reason);
  }

  /** A penalty of `points` (a consensus failure's score below 100). */
  /** Charges a peer `points`; past the ban threshold it is banned as misbehaving, for `reason`. */
  penalize(peer: string, points: number, reason = 'penalised'): void {
    if (this.#options.scores.penalize(peer, points, this.#options.clockMs())) void this.ban(peer, 'misbehaving', reason);
  }

  /** Bans a peer until now + `durationMs` (default by reason) and disconnects it. */
  async ban(peer: string, reason: BanReason, detail: string, durationMs?: number): Promise<BanEntry> {
    const duration = durationMs ?? this.#options.banDurationMs?.[reason] ?? BAN_DURATION_MS[reason];
    const entry = this.#options.bans.ban(peer, reason, detail, this.#options.clockMs() + duration);
    this.#bansIssued += 1;
    this.#options.log.warn({ peer, reason, detail, untilMs: entry.untilMs }, 'peer banned');
    this.emit('peer:banned', entry);
    const record = this.#options.peers.get(peer);
    const id = record?.id ?? this.#options.node.getConnections().find((c) => c.remotePeer.toString() === peer)?.remotePeer;
    if (id) {
      if (reason === 'wrong-network') {
        // A moment's grace lets the other side's own status request fail the same way, so it
        // bans us too instead of redialling a connection that merely dropped.
        await new Promise((resolve) => setTimeout(resolve, this.#options.settings.wrongNetworkGraceMs).unref());
      }
      await this.#hangUp(id);
    }
    return entry;
  }

  /** A status from a peer: its own request, or the answer to ours. */
  onStatus(peer: string, status: Status): void {
    const mismatch = networkMismatch(this.#options.chain.genesis().hash, status);
    if (mismatch) {
      this.#wrongNetwork += 1;
      void this.ban(peer, 'wrong-network', mismatch);
      return;
    }
    const record = this.#options.peers.get(peer);
    if (!record) return;
    const first = record.status === null;
    this.#options.peers.setStatus(peer, status, this.#options.clockMs());
    if (first) {
      this.#options.log.debug({ peer, height: status.height, tip: toHex(status.tipHash) }, 'peer ready');
      this.emit('peer:ready', { peer, status });
    }
    if (status.chainwork > this.#options.chain.tip().chainwork) this.#options.onMoreWork();
  }

  /** Asks every peer for its status again. */
  refreshStatuses(): void {
    for (const peer of this.#options.peers.all()) void this.#handshake(peer);
  }

  /** The periodic chores: scores decay, dial records expire, sync is triggered, bootnodes redialled. */
  maintain(): void {
    const { peers, settings, chain } = this.#options;
    const now = this.#options.clockMs();
    this.#options.scores.prune(now);
    for (const [key, at] of this.#dialedAt) if (now - at > settings.redialBackoffMs) this.#dialedAt.delete(key);
    // A peer may claim more work than we have without a status change reaching us (a missed trigger).
    if (peers.best(chain.tip().chainwork)) this.#options.onMoreWork();
    // @libp2p/bootstrap dials its list once; with too few peers, the list is dialled again.
    if (peers.size < settings.targetPeers) {
      for (const address of this.#options.bootnodes) {
        if (now - (this.#dialedAt.get(address) ?? -Infinity) < settings.redialBackoffMs) continue;
        this.#dialedAt.set(address, now);
        this.#options.node.dial(multiaddr(address)).catch((err: unknown) => this.#dialFailed({ address }, err));
      }
    }
    const warning = this.#dialFailures.check(peers.size, now);
    if (warning) this.#options.log.warn({ failedDials: warning.failures, lastError: warning.lastError }, warning.message);
  }

  /** A dial that failed: logged, and counted toward the "no peers" warning. */
  #dialFailed(target: { readonly peer?: string; readonly address?: string }, err: unknown): void {
    this.#dialFailures.failed(describeError(err));
    this.#options.log.debug({ ...target, err: describeError(err) }, 'dial failed');
  }

  readonly #onConnect = (event: CustomEvent<PeerId>): void => {
    const id = event.detail;
    const key = id.toString();
    if (this.#options.bans.isBanned(key, this.#options.clockMs())) {
      void this.#hangUp(id);
      return;
    }
    const connection: Connection | undefined = this.#options.node.getConnections(id)[0];
    this.#dialFailures.connected();
    const record = this.#options.peers.add(id, connection?.direction ?? 'inbound', this.#options.clockMs());
    void this.#handshake(record);
  };

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    const key = event.detail.toString();
    if (!this.#options.peers.remove(key)) return;
    this.#options.reqresp.forgetPeer(key);
    this.emit('peer:disconnected', { peer: key });
  };

  readonly #onDiscovery = (event: CustomEvent<PeerInfo>): void => {
    const { id } = event.detail;
    const key = id.toString();
    const now = this.#options.clockMs();
    const { peers, settings } = this.#options;
    if (this.#stopping || key === this.#options.node.peerId.toString() || peers.has(key) || this.#options.bans.isBanned(key, now)) return;
    if (peers.size >= settings.targetPeers) return;
    if (now - (this.#dialedAt.get(key) ?? -Infinity) < settings.redialBackoffMs) return;
    this.#dialedAt.set(key, now);
    this.#options.node.dial(id).catch((err: unknown) => this.#dialFailed({ peer: key }, err));
  };

  async #handshake(peer: PeerRecord): Promise<void> {
    try {
      const status = await requestStatus(this.#options.reqresp, peer.id, this.#options.chain);
      this.onStatus(peer.key, status);
    } catch (err) {
      if (this.#stopping || !this.#options.peers.has(peer.key)) return;
      this.#options.log.debug({ peer: peer.key, err: describeError(err) }, 'status request failed');
      if (isP2PError(err, 'unsupported-protocol')) {
        // Our status protocol carries our genesis: a peer without it is on another network.
        this.#wrongNetwork += 1;
        await this.ban(peer.key, 'wrong-network', err.reason);
        return;
      }
      // Its own status request may still have arrived; without either, the peer is of no use.
      if (!this.#options.peers.get(peer.key)?.status) await this.#hangUp(peer.id);
    }
  }

  async #hangUp(id: PeerId): Promise<void> {
    try {
      await this.#options.node.hangUp(id, { signal: AbortSignal.timeout(2_000) });
    } catch (err) {
      for (const connection of this.#options.node.getConnections(id)) connection.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
