/**
 * A full node: the chain on its datadir, the mempool kept in step with the tip, the P2P network,
 * the JSON-RPC server and, when asked, the miner, wired together as bitcoind's init does:
 *
 * - the chain's tip changes drive the mempool (transfers the new blocks included leave, those of
 *   disconnected blocks come back) and abort the miner's stale search;
 * - blocks this node finds, or that arrive by RPC, go to the chain and are announced to peers;
 *   transfers accepted by RPC are announced too; what arrives by gossip is relayed by gossipsub;
 * - a status line is logged every ten seconds.
 *
 * stop() is graceful and idempotent: mining stops first (no block is found half way through), then
 * the network (no block arrives), then the RPC server (answers under way are sent), and the chain
 * database closes last.
 *
 * Two seams are left for the Gauntlet: `contributions` (the pool that takes gossiped
 * contributions) and `blockTemplate` (the function the miner asks for the block to mine).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CodedError, describeError } from '../../trainer/coded-error.ts';
import { Chain, type AddResult, type ChainOptions, type TipChange } from '../../chain/chain.ts';
import { encodeAddress } from '../../chain/address.ts';
import { encodeBlock } from '../../chain/block.ts';
import type { Genesis } from '../../chain/genesis.ts';
import { headerHash } from '../../chain/header.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { toHex } from '../../consensus/hash.ts';
import type { Block, Transfer } from '../../consensus/types.ts';
import { silentLogger, type Logger } from '../log.ts';
import { VERSION } from '../version.ts';
import { Mempool, type MempoolAddResult, type MempoolOptions } from '../mempool/mempool.ts';
import { CpuMiner } from '../miner/cpu-miner.ts';
import { MiningLoop } from '../miner/mining-loop.ts';
import { AddressIndex } from '../indexes/address-index.ts';
import { networkMempool } from '../p2p/mempool-adapter.ts';
import { P2PNetwork, type P2PNetworkOptions } from '../p2p/network.ts';
import { loadOrCreatePeerKey } from '../p2p/peer-key.ts';
import type { NodeOptions } from '../p2p/node.ts';
import type { NetworkContributions } from '../p2p/seams.ts';
import { removeCookie, writeCookie } from '../rpc/cookie.ts';
import type { MiningStatus, NetworkSettings, RpcNode } from '../rpc/methods/context.ts';
import { rpcMethods } from '../rpc/methods/registry.ts';
import { RpcServer, type RpcExtensions, type RpcServerOptions } from '../rpc/server.ts';
import { transferTemplate, type BlockTemplateSource } from './block-template.ts';
import { DEFAULT_BIND, DEFAULT_P2P_PORT, DEFAULT_RPC_PORT, listenAddress } from './config.ts';
import { ensureDatadir, type DatadirLayout } from './datadir.ts';
import { formatStatusLine, type StatusSnapshot } from './status-line.ts';
import { DroppedTransfers } from './dropped-transfers.ts';
import { probeMulticastRoute } from '../p2p/multicast-probe.ts';
import { addressHash } from '../../consensus/address.ts';
import { transferId } from '../../consensus/ids.ts';

export const DEFAULT_STATUS_INTERVAL_MS = 10_000;
/** How long the miner waits before asking again when there is nothing to mine (syncing, no template). */
const MINING_RETRY_MS = 1_000;

export interface MiningOptions {
  /** The address the mined blocks pay. */
  readonly minerAddress: Uint8Array;
  readonly threads: number;
}

/** `bootnodes`, `mdns` and `psk` are src/p2p/node.ts' NodeOptions; `listen` has a node's own default (every interface, not loopback). */
export interface FullNodeOptions extends Pick<NodeOptions, 'bootnodes' | 'mdns' | 'psk'> {
  readonly datadir: string;
  readonly genesis: Genesis;
  /** P2P listen multiaddrs (default: every IPv4 interface, port 18444). */
  readonly listen?: readonly string[];
  /** false runs the node without a network (tests, a lone miner); default true. */
  readonly p2p?: boolean;
  /** RPC port on 127.0.0.1 (default 18445; 0 lets the system pick, see rpcPort). */
  readonly rpcPort?: number;
  /** Accepted besides the cookie, when both are given. */
  readonly rpcUser?: string;
  readonly rpcPassword?: string;
  readonly mining?: MiningOptions | null;
  /** The block the miner works on (default: the mempool's transfers; the Gauntlet brings its own). */
  readonly blockTemplate?: BlockTemplateSource;
  /** Takes gossiped contributions (the Gauntlet's pool); without it they are not kept. */
  readonly contributions?: NetworkContributions;
  readonly mempool?: MempoolOptions;
  /** Keep the address index in <datadir>/indexes/address (default true). */
  readonly addressIndex?: boolean;
  readonly log?: Logger;
  /** 0 turns the status line off. */
  readonly statusIntervalMs?: number;
  /** The node's clock, milliseconds since the epoch (default Date.now). */
  readonly clockMs?: () => number;
  /** Further chain options (e.g. the Gauntlet's dataset). */
  readonly chainOptions?: Partial<Omit<ChainOptions, 'location' | 'genesis' | 'clock'>>;
  /** Further network options (tests: shorter timeouts, other limits). */
  readonly networkOptions?: Partial<P2PNetworkOptions>;
  /** More RPC methods and an HTTP handler in front of JSON-RPC (the Gauntlet's, the dashboard), made once the node exists. */
  readonly rpcExtensions?: (node: FullNode) => RpcExtensions;
  /** Further RPC server options (tests: request size, auth delay). */
  readonly rpcOptions?: Partial<Pick<RpcServerOptions, 'maxRequestBytes' | 'maxBatch' | 'maxBatchResponseBytes' | 'authFailureDelayMs'>>;
}

export type NodeStartCode = 'p2p-port-in-use' | 'p2p-listen-failed';

/** The node could not start its network: a reason a person can act on, not libp2p's stack. */
export class NodeStartError extends CodedError<NodeStartCode> {}

export class FullNode implements RpcNode {
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly network: P2PNetwork | null;
  readonly layout: DatadirLayout;
  readonly version = VERSION;
  readonly startedAtMs: number;
  readonly networkSettings: NetworkSettings;
  /** Transfers reorganisations took out of the chain for good (newest first through RPC). */
  readonly dropped = new DroppedTransfers();
  /** Resolves once the node has stopped (by stop(), the `stop` RPC or a signal): true if every part stopped cleanly. */
  readonly closed: Promise<boolean>;
  readonly #options: FullNodeOptions;
  readonly #log: Logger;
  readonly #clockMs: () => number;
  readonly #template: BlockTemplateSource;
  #rpc: RpcServer | null = null;
  #addressIndex: AddressIndex | null = null;
  #cookieWritten = false;
  #miner: CpuMiner | null = null;
  #loop: MiningLoop | null = null;
  #statusTimer: NodeJS.Timeout | null = null;
  #stopping: Promise<void> | null = null;
  #resolveClosed: (clean: boolean) => void = () => undefined;

  /** The address index behind getaddresshistory (null when turned off). */
  get addressIndex(): AddressIndex | null {
    return this.#addressIndex;
  }

  private constructor(options: FullNodeOptions, layout: DatadirLayout, chain: Chain, mempool: Mempool, network: P2PNetwork | null, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.#clockMs = options.clockMs ?? Date.now;
    this.#template = options.blockTemplate ?? transferTemplate;
    this.layout = layout;
    this.chain = chain;
    this.network = network;
    this.mempool = mempool;
    this.startedAtMs = this.#clockMs();
    this.networkSettings = { mdns: network !== null && (options.mdns ?? true), privateNetwork: network !== null && options.psk !== undefined };
    this.closed = new Promise<boolean>((resolve) => {
      this.#resolveClosed = resolve;
    });
    chain.on('tip', (change) => this.#onTip(change));
    chain.on('reorg', (change) => {
      log.warn(
        { fork: change.fork.height, disconnected: change.disconnected.length, connected: change.connected.length, tip: toHex(change.to.hash) },
        'chain reorganised',
      );
    });
    chain.on('invalid', (hash, err) => log.warn({ block: toHex(hash), code: err.code, reason: err.reason }, 'invalid block'));
  }

  /**
   * Opens the datadir and starts everything. Throws (having closed what it opened) when the
   * datadir is in use (ChainDBError 'in-use'), belongs to another network, or a port is taken.
   */
  static async start(options: FullNodeOptions): Promise<FullNode> {
    const log = options.log ?? silentLogger();
    const layout = await ensureDatadir(options.datadir);
    const clockMs = options.clockMs ?? Date.now;
    const chain = await Chain.open({
      ...options.chainOptions,
      location: layout.chain,
      genesis: options.genesis,
      clock: () => Math.floor(clockMs() / 1000),
    });
    let node: FullNode | undefined;
    try {
      // The chain's accounts map is live, so the pool always checks against the current tip.
      const mempool = new Mempool(chain.params, chain.accounts(), options.mempool);
      let network: P2PNetwork | null = null;
      if (options.p2p ?? true) {
        network = await P2PNetwork.create({
          ...options.networkOptions,
          chain,
          mempool: networkMempool(mempool),
          log: log.child({ component: 'p2p' }),
          banFile: layout.banList,
          clockMs: clockMs,
          listen: options.listen ?? [listenAddress(DEFAULT_BIND, DEFAULT_P2P_PORT)],
          bootnodes: options.bootnodes ?? [],
          mdns: options.mdns ?? true,
          privateKey: await loadOrCreatePeerKey(layout.peerKey),
          ...(options.psk ? { psk: options.psk } : {}),
          ...(options.contributions ? { contributions: options.contributions } : {}),
        });
      }
      node = new FullNode(options, layout, chain, mempool, network, log);
      await node.#start();
      return node;
    } catch (err) {
      if (node) await node.stop().catch(() => undefined);
      else await chain.close();
      throw err;
    }
  }

  async #start(): Promise<void> {
    const o = this.#options;
    const log = this.#log;
    if (o.addressIndex ?? true) {
      this.#addressIndex = await AddressIndex.open(this.layout.addressIndex, this.chain, log.child({ component: 'address-index' }));
    }
    const cookie = await writeCookie(this.layout.root);
    this.#cookieWritten = true;
    const credentials = [cookie];
    if (o.rpcUser !== undefined && o.rpcPassword !== undefined) credentials.push({ user: o.rpcUser, password: o.rpcPassword });
    const extensions = o.rpcExtensions?.(this) ?? {};
    this.#rpc = await RpcServer.listen({
      ...o.rpcOptions,
      node: this,
      methods: rpcMethods(extensions.methods),
      ...(extensions.httpHandler ? { httpHandler: extensions.httpHandler } : {}),
      port: o.rpcPort ?? DEFAULT_RPC_PORT,
      credentials,
      log: log.child({ component: 'rpc' }),
    });
    if (this.network) {
      this.network.on('peer:ready', ({ peer, status }) => log.info({ peer, height: status.height }, 'peer connected'));
      this.network.on('peer:disconnected', ({ peer }) => log.info({ peer }, 'peer disconnected'));
      await this.network.start().catch((err: unknown) => {
        throw listenError(err, o.listen ?? [listenAddress(DEFAULT_BIND, DEFAULT_P2P_PORT)]);
      });      if (this.networkSettings.mdns) {
        const noRoute = await probeMulticastRoute();
        if (noRoute !== null) {
          log.warn({ error: noRoute }, 'mDNS cannot find peers: this host has no route for multicast; give peers with --bootnodes (--no-mdns silences this)');
        }
      }
    }
    if (o.mining) this.#startMining(o.mining);
    const interval = o.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS;
    if (interval > 0) {
      this.#statusTimer = setInterval(() => this.#logStatus(), interval);
      this.#statusTimer.unref();
    }
    const tip = this.chain.tip();
    log.info(
      {
        datadir: this.layout.root,
        network: this.chain.params.network,
        genesis: toHex(this.chain.genesis().hash),
        height: tip.height,
        tip: toHex(tip.hash),
        rpc: this.rpcPort,
        p2p: this.network?.addresses() ?? null,
        mining: o.mining ? { threads: o.mining.threads, address: this.#minerAddressText(o.mining) } : false,
      },
      'node started',
    );
  }

  /** The port the RPC server listens on. */
  get rpcPort(): number {
    if (!this.#rpc) throw new Error('the RPC server is not running');
    return this.#rpc.port;
  }

  clockMs(): number {
    return this.#clockMs();
  }

  mining(): MiningStatus | null {
    const o = this.#options.mining;
    if (!o || !this.#loop) return null;
    return {
      threads: o.threads,
      minerAddress: this.#minerAddressText(o),
      hashRate: this.#loop.hashRate(),
      blocksFound: this.#loop.blocksFound,
      running: this.#loop.running,
    };
  }

  status(): StatusSnapshot {
    const tip = this.chain.tip();
    const sync = this.network?.syncState() ?? null;
    return {
      height: tip.height,
      tip: tip.hash,
      peers: this.network?.readyPeers().length ?? 0,
      mempool: this.mempool.size,
      hashRate: this.#loop ? this.#loop.hashRate() : null,
      sync: sync ? { syncing: sync.syncing, height: sync.height, target: sync.target } : null,
    };
  }

  async submitBlock(bytes: Uint8Array): Promise<AddResult> {
    const result = await this.chain.addBlock(bytes);
    if (stored(result)) this.#announceBlock(bytes);
    return result;
  }

  submitTransfer(tx: Transfer): MempoolAddResult {
    const result = this.mempool.add(tx);
    this.network?.announceTransfer(tx).catch((err: unknown) => this.#log.debug({ err }, 'transfer announcement failed'));
    return result;
  }

  requestStop(): void {
    // After the current answer has gone out: stop() closes the RPC server once its answers are sent.
    // A part that fails to stop is logged there, and `closed` says so.
    setImmediate(() => this.stop().catch(() => undefined));
  }

  /** Stops everything in order; safe to call more than once and from any state. */
  async stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const log = this.#log;
    log.info('stopping');
    if (this.#statusTimer) clearInterval(this.#statusTimer);
    const failures: unknown[] = [];
    const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        failures.push(err);
        log.error({ err }, `${what} failed while stopping`);
      }
    };
    await step('mining', async () => {
      await this.#loop?.stop();
      await this.#miner?.close();
    });
    if (this.network) await step('network', () => this.network!.stop());
    await step('rpc', async () => {
      await this.#rpc?.close();
      if (this.#cookieWritten) await removeCookie(this.layout.root);
    });
    if (this.#addressIndex) await step('address index', () => this.#addressIndex!.close());
    await step('chain', () => this.chain.close());
    log.info('stopped');
    this.#resolveClosed(failures.length === 0);
    if (failures.length > 0) throw failures[0];
  }

  // ---- mining --------------------------------------------------------------------------------

  #startMining(o: MiningOptions): void {
    this.#miner = new CpuMiner({ threads: o.threads });
    this.#loop = new MiningLoop({
      miner: this.#miner,
      buildTemplate: (signal) => this.#nextTemplate(o, signal),
      submit: (block) => this.#submitMined(block),
      log: this.#log.child({ component: 'miner' }),
    });
    this.#loop.start();
  }

  /** The next block to mine, or null after a pause (while syncing, or when the source has none). */
  async #nextTemplate(o: MiningOptions, signal: AbortSignal): Promise<Block | null> {
    // Blocks on a tip that sync is about to replace would be wasted work.
    const syncing = this.network?.syncState().syncing ?? false;
    const block = syncing
      ? null
      : await this.#template({ chain: this.chain, mempool: this.mempool, miner: o.minerAddress, now: Math.floor(this.#clockMs() / 1000), signal });
    if (!block) await sleep(MINING_RETRY_MS, undefined, { signal }).catch(() => undefined);
    return block;
  }

  async #submitMined(block: Block): Promise<void> {
    try {
      const result = await this.chain.addBlock(block);
      if (stored(result)) this.#announceBlock(encodeBlock(block));
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      // Our own template broke a rule: a bug worth a loud line, not a reason to stop mining.
      this.#log.error({ block: toHex(headerHash(block.header)), code: err.code, reason: err.reason }, 'mined block was rejected');
    }
  }

  #minerAddressText(o: MiningOptions): string {
    return encodeAddress(this.chain.params.addressPrefix, o.minerAddress);
  }

  // ---- events --------------------------------------------------------------------------------

  #onTip(change: TipChange): void {
    const dropped = this.mempool.onReorg(change.disconnected, change.connected, this.chain.accounts());
    if (dropped.length > 0) this.#recordDropped(change, dropped);
    this.#loop?.tipChanged();
    this.#log.debug({ height: change.to.height, tip: toHex(change.to.hash), connected: change.connected.length }, 'new tip');
  }

  #recordDropped(change: TipChange, dropped: ReturnType<Mempool['onReorg']>): void {
    const heights = new Map<string, number>();
    for (const block of change.disconnected) for (const tx of block.txs) heights.set(toHex(transferId(tx)), block.header.height);
    for (const d of dropped) {
      const txid = toHex(d.id);
      const height = heights.get(txid) ?? change.fork.height + 1;
      this.dropped.add({ id: d.id, tx: d.tx, height, droppedAtHeight: change.to.height, droppedAtMs: this.#clockMs(), code: d.code, reason: d.reason });
      this.#log.warn(
        {
          txid,
          from: encodeAddress(this.chain.params.addressPrefix, addressHash(d.tx.senderPublicKey)),
          nonce: d.tx.nonce.toString(),
          wasAtHeight: height,
          code: d.code,
          reason: d.reason,
        },
        'transfer dropped by a reorganisation: its block left the chain and it no longer applies',
      );
    }
  }

  #announceBlock(bytes: Uint8Array): void {
    this.network?.announceBlock(bytes).catch((err: unknown) => this.#log.debug({ err }, 'block announcement failed'));
  }

  #logStatus(): void {
    const snapshot = this.status();
    this.#log.info(
      { height: snapshot.height, peers: snapshot.peers, mempool: snapshot.mempool, hashRate: snapshot.hashRate, sync: snapshot.sync },
      formatStatusLine(snapshot),
    );
  }
}

/** libp2p reports a listen failure as several lines with stacks; the first cause is what matters. */
function listenError(err: unknown, listen: readonly string[]): unknown {
  const text = describeError(err);
  const where = listen.join(', ');
  if (text.includes('EADDRINUSE')) {
    return new NodeStartError('p2p-port-in-use', `P2P address ${where} is in use: is another node running? (choose another with --port)`, { cause: err });
  }
  if (/failed to be listened on/.test(text)) {
    const first = /\n\s*(\S+: .*)/.exec(text)?.[1] ?? text.split('\n')[0];
    return new NodeStartError('p2p-listen-failed', `cannot listen for peers on ${where}: ${first}`, { cause: err });
  }
  return err;
}

function stored(result: AddResult): boolean {
  return result.status === 'connected' || result.status === 'reorganized' || result.status === 'side';
}
