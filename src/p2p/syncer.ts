/**
 * Headers-first sync, as Bitcoin Core since 0.10:
 *
 *  1. Pick the peer claiming the most work above ours (its status), or the peer that just relayed
 *     a block whose parent we lack.
 *  2. Ask it for headers after our locator, 2,000 at a time, and check each run as headers
 *     (header-chain.ts). Runs are held until the chain they describe has more work than our tip,
 *     so a peer cannot make us fetch the bodies of a lighter branch.
 *  3. Fetch the bodies in batches from that peer and from others in parallel, and connect them in
 *     order through the chain (block-download.ts), then continue with the next run.
 *  4. When the peer has nothing more, try the next best peer; stop when no peer claims more work.
 *
 * A node that starts late thus catches up from genesis, then follows the tip by gossip; a gossiped
 * block whose parent is unknown starts a sync from the peer that relayed it. While syncing, a line
 * "sync height=H target=T blocks/s=R eta=E peers=P scoring=M" is logged every few seconds, and
 * "synced" at the end; M is "assume-valid" while the blocks connected lead to the assume-valid
 * hash (their reports' scores are taken, chain/assume-valid.ts), else "full".
 *
 * With an assume-valid hash whose header is not yet known, headers are fetched ahead of bodies
 * (up to maxPendingHeaders) so the chain learns which blocks lead to it before they arrive.
 */
import { EventEmitter } from 'node:events';
import { toHex } from '../../consensus/hash.ts';
import { downloadBlocks } from './block-download.ts';
import { describeError, isP2PError } from './errors.ts';
import { checkHeaderChain, type CheckedHeader, type HeaderChainResult, type HeaderRunStart } from './header-chain.ts';
import type { PartServices, PeerJudgement } from './part-options.ts';
import type { PeerAction } from './peer-score.ts';
import type { PeerRecord, PeerTable } from './peer-table.ts';
import type { NetworkChain } from './seams.ts';
import { SyncProgress, type ProgressReport } from './sync-progress.ts';
import { requestHeaders } from './reqresp/headers.ts';
import { MAX_HEADERS_PER_REQUEST, MAX_LOCATOR_HASHES } from './reqresp/limits.ts';
import type { ReqResp } from './reqresp/reqresp.ts';

export interface SyncSettings {
  /** Blocks per blocks-by-hash request. */
  readonly batchSize: number;
  /** Peers fetching blocks at once. */
  readonly maxPeers: number;
  /** Batches asked of one peer at a time. */
  readonly requestsPerPeer: number;
  /** How far ahead of the next block to connect a batch may start. */
  readonly windowBlocks: number;
  /** Bytes of fetched blocks waiting to be connected. */
  readonly maxBufferedBytes: number;
  /** Headers held while looking for a chain heavier than ours; past this the peer is dropped. */
  readonly maxPendingHeaders: number;
  readonly progressIntervalMs: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = Object.freeze({
  batchSize: 64,
  maxPeers: 4,
  requestsPerPeer: 2,
  windowBlocks: 1_024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxPendingHeaders: 100_000,
  progressIntervalMs: 5_000,
});

export interface SyncOptions extends PartServices, PeerJudgement {
  readonly chain: NetworkChain;
  readonly peers: PeerTable;
  readonly reqresp: ReqResp;
  readonly settings?: Partial<SyncSettings>;
}

export interface SyncedEvent {
  readonly height: number;
  readonly hash: Uint8Array;
  /** Blocks connected by this sync. */
  readonly connected: number;
}

export interface SyncEvents {
  progress: [ProgressReport];
  synced: [SyncedEvent];
}

export interface SyncState {
  readonly syncing: boolean;
  readonly height: number;
  /** Height of the best chain a peer claims (our height when none claims more). */
  readonly target: number;
  /** Blocks connected by sync since the node started. */
  readonly connected: number;
}

interface PeerOutcome {
  readonly connected: number;
  readonly ok: boolean;
}

export class Syncer extends EventEmitter<SyncEvents> {
  readonly settings: SyncSettings;
  readonly #options: SyncOptions;
  readonly #preferred = new Set<string>();
  readonly #progress = new SyncProgress();
  readonly #stop = new AbortController();
  #wanted = false;
  #running: Promise<void> | null = null;
  #syncing = false;
  #connected = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: SyncOptions) {
    super();
    this.#options = options;
    this.settings = { ...DEFAULT_SYNC_SETTINGS, ...options.settings };
  }

  /** Asks for a sync round (coalesced with one under way); `from` is tried first. */
  trigger(from?: string): void {
    if (this.#stop.signal.aborted) return;
    if (from) this.#preferred.add(from);
    this.#wanted = true;
    this.#running ??= this.#loop().finally(() => {
      this.#running = null;
    });
  }

  state(): SyncState {
    const tip = this.#options.chain.tip();
    return { syncing: this.#syncing, height: tip.height, target: Math.max(tip.height, this.#target()), connected: this.#connected };
  }

  /** Resolves when no round is running or wanted. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#stopTimer();
    await this.#running?.catch(() => undefined);
  }

  async #loop(): Promise<void> {
    while (this.#wanted && !this.#stop.signal.aborted) {
      this.#wanted = false;
      try {
        await this.#round();
      } catch (err) {
        this.#options.log.error({ err: describeError(err) }, 'sync round failed');
      }
    }
  }

  async #round(): Promise<void> {
    const tried = new Set<string>();
    let connected = 0;
    try {
      while (!this.#stop.signal.aborted) {
        const peer = this.#nextPeer(tried);
        if (!peer) break;
        tried.add(peer.key);
        const outcome = await this.#syncFrom(peer);
        connected += outcome.connected;
        // A peer that gave us blocks may have more by now; one that failed waits for the next round.
        if (outcome.ok && outcome.connected > 0) tried.delete(peer.key);
      }
    } finally {
      if (this.#syncing) {
        this.#syncing = false;
        this.#stopTimer();
        this.#progress.reset();
        const tip = this.#options.chain.tip();
        this.#options.log.info({ height: tip.height, hash: toHex(tip.hash), connected }, `synced height=${tip.height}`);
        this.emit('synced', { height: tip.height, hash: tip.hash, connected });
      }
    }
  }

  #nextPeer(tried: ReadonlySet<string>): PeerRecord | undefined {
    for (const key of this.#preferred) {
      this.#preferred.delete(key);
      const peer = this.#options.peers.get(key);
      if (peer?.status && !tried.has(key) && this.#usable(peer)) return peer;
    }
    const best = this.#options.peers.best(this.#options.chain.tip().chainwork, tried);
    return best && this.#usable(best) ? best : undefined;
  }

  #usable(peer: PeerRecord): boolean {
    return this.#options.peers.has(peer.key) && !this.#options.isBanned(peer.key);
  }

  #target(): number {
    let target = 0;
    for (const peer of this.#options.peers.ready()) target = Math.max(target, peer.status!.height);
    return target;
  }

  /** Syncs from one peer until it has nothing more for us. */
  async #syncFrom(peer: PeerRecord): Promise<PeerOutcome> {
    const { chain, log } = this.#options;
    let start: HeaderRunStart | undefined;
    let pending: CheckedHeader[] = [];
    let connected = 0;
    while (!this.#stop.signal.aborted && this.#usable(peer)) {
      const locator = (start ? [start.context.hash, ...chain.getLocator()] : chain.getLocator()).slice(0, MAX_LOCATOR_HASHES);
      let result: HeaderChainResult;
      let count: number;
      try {
        const headers = await requestHeaders(this.#options.reqresp, peer.id, { locator, max: MAX_HEADERS_PER_REQUEST }, this.#stop.signal);
        count = headers.length;
        result = checkHeaderChain(chain, headers, Math.floor(this.#options.clockMs() / 1000), start);
        chain.noteHeaders?.(result.fresh.map((h) => h.header));
      } catch (err) {
        if (isP2PError(err, 'unrequested')) this.#options.onPeerAction(peer.key, 'low-tolerance', `headers: ${err.reason}`);
        log.debug({ peer: peer.key, err: describeError(err) }, 'headers request failed');
        return { connected, ok: false };
      }
      if (result.error) {
        const action: PeerAction = result.error.score >= 100 ? 'fatal' : 'mid-tolerance';
        this.#options.onPeerAction(peer.key, action, `sent an invalid header: ${result.error.message}`);
        if (action === 'fatal') return { connected, ok: false };
      }
      pending = pending.concat(result.fresh);
      start = result.end;
      const more = count === MAX_HEADERS_PER_REQUEST && !result.error;
      const headersFirst = more && (chain.awaitingAssumeValid?.() ?? false) && pending.length < this.settings.maxPendingHeaders;
      if (pending.length > 0 && result.end.chainwork > chain.tip().chainwork && !headersFirst) {
        const outcome = await this.#download(peer, pending);
        connected += outcome.connected;
        pending = [];
        if (!outcome.ok) return { connected, ok: false };
      } else if (!more) {
        if (connected === 0 && (peer.status?.chainwork ?? 0n) > chain.tip().chainwork) {
          this.#options.onPeerAction(peer.key, 'mid-tolerance', 'claimed more work than its headers show');
          return { connected, ok: false };
        }
      } else if (pending.length > this.settings.maxPendingHeaders && !headersFirst) {
        this.#options.onPeerAction(peer.key, 'mid-tolerance', `${pending.length} headers and still no more work than ours`);
        return { connected, ok: false };
      }
      if (!more) return { connected, ok: true };
    }
    return { connected, ok: false };
  }

  async #download(peer: PeerRecord, headers: readonly CheckedHeader[]): Promise<PeerOutcome> {
    this.#startSyncing();
    const firstWork = headers[0]!.chainwork;
    const helpers = this.#options.peers
      .ready()
      .filter((p) => p.key !== peer.key && this.#usable(p) && p.status!.chainwork >= firstWork)
      .slice(0, this.settings.maxPeers - 1);
    const result = await downloadBlocks({
      chain: this.#options.chain,
      reqresp: this.#options.reqresp,
      log: this.#options.log,
      headers,
      primary: peer,
      helpers,
      batchSize: this.settings.batchSize,
      requestsPerPeer: this.settings.requestsPerPeer,
      windowBlocks: this.settings.windowBlocks,
      maxBufferedBytes: this.settings.maxBufferedBytes,
      usable: (p) => this.#usable(p),
      onPeerAction: this.#options.onPeerAction,
      onConnected: () => {
        this.#connected += 1;
      },
      signal: this.#stop.signal,
    });
    if (result.failure) this.#options.log.warn({ peer: peer.key, connected: result.connected, reason: result.failure }, 'block download stopped');
    return { connected: result.connected, ok: result.failure === undefined };
  }

  #startSyncing(): void {
    if (this.#syncing) return;
    this.#syncing = true;
    this.#logProgress();
    this.#timer = setInterval(() => this.#logProgress(), this.settings.progressIntervalMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #logProgress(): void {
    const state = this.state();
    const report = this.#progress.report({
      height: state.height,
      target: state.target,
      peers: this.#options.peers.ready().length,
      clockMs: this.#options.clockMs(),
      scoring: this.#options.chain.scoringMode?.() ?? 'full',
    });
    this.#options.log.info(
      { height: report.height, target: report.target, blocksPerSecond: report.blocksPerSecond, peers: report.peers, scoring: report.scoring },
      report.line,
    );
    this.emit('progress', report);
  }
}
