/**
 * What the testnet's view shows, gathered over the nodes' JSON-RPC (the same calls anyone can
 * make with `gradientcoin rpc`) and from the contributors' progress lines. Polling never throws:
 * a node that does not answer is shown as such (starting, stopping or dead) until it does.
 */
import type { LossPoint, ContributorView } from '../dashboard/model-insight.ts';
import { rpcCall, type RpcCallOptions } from '../rpc/client.ts';
import type { ContributorKind, TestnetPlan } from './config.ts';
import type { ContributorEvent } from './contributor.ts';
import type { PreparedTestnet } from './setup.ts';
import { describeError } from '../../trainer/coded-error.ts';

export interface NodeStatus {
  readonly name: string;
  readonly rpcPort: number;
  readonly mining: boolean;
  /** null until the node first answers. */
  readonly height: number | null;
  readonly tip: string | null;
  /** The tip block's timestamp, seconds. */
  readonly tipTime: number | null;
  readonly peers: number;
  readonly hashRate: number;
  readonly blocksFound: number;
  readonly mempool: number;
  /** Why the last poll failed, if it did. */
  readonly error: string | null;
  readonly exited: string | null;
}

export type ContributorState = 'starting' | 'ready' | 'training' | 'submitted' | 'skipped' | 'error' | 'exited';

export interface ContributorStatus {
  readonly name: string;
  readonly kind: ContributorKind;
  readonly address: string;
  readonly node: string;
  readonly state: ContributorState;
  /** When the state began, ms since the epoch. */
  readonly sinceMs: number;
  /** How long its last round took (training to submission), ms. */
  readonly lastRoundMs: number | null;
  readonly submitted: number;
  readonly accepted: number;
  readonly lastReason: string | null;
  /** Its rating on the chain, once it has one. */
  readonly rating: ContributorView | null;
}

export interface ModelStatus {
  readonly height: number;
  readonly heldOutLoss: number | null;
  readonly history: readonly LossPoint[];
}

export interface TestnetSnapshot {
  readonly clockMs: number;
  readonly startedMs: number;
  readonly network: string;
  readonly chainId: string;
  readonly blockTimeSeconds: number;
  readonly collectionWindowSeconds: number;
  readonly root: string;
  readonly logs: string;
  readonly dashboard: string;
  readonly nodes: readonly NodeStatus[];
  readonly contributors: readonly ContributorStatus[];
  readonly model: ModelStatus | null;
}

const MODEL_POLL_MS = 3_000;
const HISTORY_POINTS = 48;

export class TestnetMonitor {
  readonly #plan: TestnetPlan;
  readonly #prepared: PreparedTestnet;
  readonly #startedMs: number;
  readonly #nodes: NodeStatus[];
  readonly #contributors: Map<string, ContributorStatus>;
  #model: ModelStatus | null = null;
  #ratings = new Map<string, ContributorView>();
  #lastModelPollMs = 0;
  /** The node asked about the model: one that does not mine, so its CPU has room for evaluations. */
  readonly #insightNode: number;

  constructor(plan: TestnetPlan, prepared: PreparedTestnet, startedMs: number) {
    this.#plan = plan;
    this.#prepared = prepared;
    this.#startedMs = startedMs;
    this.#nodes = plan.nodes.map((n) => ({
      name: n.name, rpcPort: n.rpcPort, mining: n.mining, height: null, tip: null, tipTime: null,
      peers: 0, hashRate: 0, blocksFound: 0, mempool: 0, error: null, exited: null,
    }));
    this.#contributors = new Map(
      plan.contributors.map((c, i) => [
        c.name,
        {
          name: c.name, kind: c.kind, address: prepared.contributors[i]!.address, node: plan.nodes[c.node]!.name,
          state: 'starting', sinceMs: startedMs, lastRoundMs: null, submitted: 0, accepted: 0, lastReason: null, rating: null,
        } satisfies ContributorStatus,
      ]),
    );
    this.#insightNode = (plan.nodes.find((n) => !n.mining) ?? plan.nodes[0]!).index;
  }

  get dashboardUrl(): string {
    return `http://127.0.0.1:${this.#plan.nodes[this.#insightNode]!.rpcPort}/`;
  }

  /** One round of calls to every node (and, every few seconds, the model and ratings). */
  async poll(clockMs: number): Promise<void> {
    await Promise.all(this.#plan.nodes.map((_, i) => this.#pollNode(i)));
    if (clockMs - this.#lastModelPollMs >= MODEL_POLL_MS) {
      this.#lastModelPollMs = clockMs;
      await this.#pollModel();
    }
  }

  nodeExited(name: string, how: string): void {
    const i = this.#nodes.findIndex((n) => n.name === name);
    if (i >= 0) this.#nodes[i] = { ...this.#nodes[i]!, exited: how };
    const c = this.#contributors.get(name);
    if (c) this.#contributors.set(name, { ...c, state: 'exited', lastReason: how, sinceMs: Date.now() });
  }

  contributorEvent(name: string, event: ContributorEvent, clockMs: number): void {
    const c = this.#contributors.get(name);
    if (!c) return;
    switch (event.event) {
      case 'ready':
        this.#contributors.set(name, { ...c, state: 'ready', sinceMs: clockMs });
        break;
      case 'training':
        this.#contributors.set(name, { ...c, state: 'training', sinceMs: clockMs });
        break;
      case 'submitted':
        this.#contributors.set(name, {
          ...c,
          state: 'submitted',
          sinceMs: clockMs,
          lastRoundMs: event.ms,
          submitted: c.submitted + 1,
          accepted: c.accepted + (event.accepted ? 1 : 0),
          lastReason: event.accepted ? null : (event.reason ?? 'refused'),
        });
        break;
      case 'skipped':
        this.#contributors.set(name, { ...c, state: 'skipped', sinceMs: clockMs, lastReason: event.reason });
        break;
      case 'error':
        this.#contributors.set(name, { ...c, state: 'error', sinceMs: clockMs, lastReason: event.reason });
        break;
    }
  }

  snapshot(clockMs: number): TestnetSnapshot {
    return {
      clockMs,
      startedMs: this.#startedMs,
      network: this.#prepared.network,
      chainId: this.#prepared.chainId,
      blockTimeSeconds: this.#prepared.blockTimeSeconds,
      collectionWindowSeconds: this.#prepared.collectionWindowSeconds,
      root: this.#plan.root,
      logs: this.#plan.logs,
      dashboard: this.dashboardUrl,
      nodes: [...this.#nodes],
      contributors: [...this.#contributors.values()].map((c) => ({ ...c, rating: this.#ratings.get(c.address) ?? null })),
      model: this.#model,
    };
  }

  #rpc(index: number, timeoutMs = 5_000): RpcCallOptions {
    const node = this.#plan.nodes[index]!;
    return { port: node.rpcPort, datadir: node.datadir, timeoutMs };
  }

  async #pollNode(i: number): Promise<void> {
    const rpc = this.#rpc(i);
    try {
      const [chain, mining, net, mempool] = await Promise.all([
        rpcCall<{ blocks: number; bestblockhash: string; time: number }>(rpc, 'getblockchaininfo'),
        rpcCall<{ hashespersec: number; blocksfound: number; mining: boolean }>(rpc, 'getmininginfo'),
        rpcCall<{ connections: number }>(rpc, 'getnetworkinfo'),
        rpcCall<{ size: number }>(rpc, 'getmempoolinfo').catch(() => ({ size: 0 })),
      ]);
      this.#nodes[i] = {
        ...this.#nodes[i]!,
        height: chain.blocks,
        tip: chain.bestblockhash,
        tipTime: chain.time,
        peers: net.connections,
        hashRate: mining.hashespersec,
        blocksFound: mining.blocksfound,
        mempool: mempool.size,
        error: null,
      };
    } catch (err) {
      this.#nodes[i] = { ...this.#nodes[i]!, error: describeError(err) };
    }
  }

  async #pollModel(): Promise<void> {
    // Evaluations take the node a while the first time: allow for it.
    const rpc = this.#rpc(this.#insightNode, 30_000);
    try {
      const [info, contributors] = await Promise.all([
        rpcCall<{ height: number; heldOutLoss: number | null; lossHistory?: LossPoint[] }>(rpc, 'getmodelinfo', [null, HISTORY_POINTS]),
        rpcCall<ContributorView[]>(rpc, 'getcontributors'),
      ]);
      this.#model = { height: info.height, heldOutLoss: info.heldOutLoss, history: info.lossHistory ?? [] };
      this.#ratings = new Map(contributors.map((c) => [c.address, c]));
    } catch {
      // The node may still be starting; the nodes' rows say so.
    }
  }
}
