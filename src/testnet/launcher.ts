/**
 * `gradientcoin testnet`: a private network on this machine in one command. It prepares the
 * folder (setup.ts), starts the nodes as separate processes on loopback ports, each with the
 * others as bootnodes and mDNS off, the first ones mining, then the contributors, and shows the
 * network live until Ctrl-C (SIGINT), SIGTERM or SIGHUP, when it stops every process and says
 * where the data and logs are. It also stops when its own parent goes: under `npm run` that parent
 * is a shell, which passes no signal on and dies alone when npm is stopped with SIGTERM.
 */
import { CodedError } from '../../trainer/coded-error.ts';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { rpcCall } from '../rpc/client.ts';
import { contributorArgs, nodeArgs, planTestnet, type TestnetOptions, type TestnetPlan } from './config.ts';
import type { ContributorEvent } from './contributor.ts';
import { TestnetMonitor } from './monitor.ts';
import { prepareTestnet, writeManifest, type PreparedTestnet } from './setup.ts';
import { Supervisor, type Child } from './supervisor.ts';
import { renderStatusLine, renderView, TtyView } from './view.ts';

export interface LaunchIo {
  readonly out: NodeJS.WriteStream;
  /** Redraw in place (a terminal) or print status lines (CI, a pipe). Default: out.isTTY. */
  readonly tty?: boolean;
}

/** How long the nodes get to answer RPC after they start. */
const STARTUP_TIMEOUT_MS = 90_000;
const TTY_REFRESH_MS = 1_000;
const LINE_EVERY_MS = 5_000;
const STOP_GRACE_MS = 15_000;
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const PARENT_CHECK_MS = 1_000;

export class TestnetStartError extends CodedError<'port-in-use' | 'node-failed'> {}

/** Runs the testnet until a signal; resolves with the exit status (0 after a clean stop). */
export async function runTestnet(opts: TestnetOptions, io: LaunchIo): Promise<number> {
  const say = (line: string): void => void io.out.write(`${line}\n`);
  const plan = planTestnet(opts);
  say(`preparing the testnet in ${plan.root} …`);
  const prepared = await prepareTestnet(plan, opts);
  await checkPorts(plan);
  describe(plan, prepared, say);

  let stopRequested: (() => void) | null = null;
  let stopping = false;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = (): void => {
    stopping = true;
    stopRequested?.();
  };
  // A closed terminal (SIGHUP) stops the testnet as Ctrl-C does; its output then goes nowhere.
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  io.out.on('error', () => undefined);
  // A parent that died (npm stopped by SIGTERM, the shell of a closed session) stops the testnet too.
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) onSignal();
  }, PARENT_CHECK_MS);
  parentWatch.unref();

  const startedMs = Date.now();
  const monitor = new TestnetMonitor(plan, prepared, startedMs);
  const supervisor = new Supervisor((child: Child) => monitor.nodeExited(child.name, child.exit?.signal ?? `code ${child.exit?.code ?? '?'}`));
  // Whatever happens to the launcher, its children do not outlive it.
  const killOnExit = (): void => supervisor.killAll();
  process.on('exit', killOnExit);
  const pids: Record<string, number> = {};
  try {
    for (const node of plan.nodes) {
      const child = await supervisor.start({ name: node.name, args: nodeArgs(plan, node, prepared.nodes, opts), log: node.log });
      pids[node.name] = child.pid;
    }
    await writeManifest(plan, prepared, pids);
    await waitForNodes(plan, supervisor, stopped);
    if (stopping) return 0;
    const honest = prepared.contributors.find((c) => c.kind === 'honest');
    for (const [i, c] of plan.contributors.entries()) {
      const pagesOf = c.kind === 'wrong-pages' ? (honest ?? prepared.contributors.find((_, j) => j !== i))?.publicKey : undefined;
      const child = await supervisor.start({
        name: c.name,
        args: contributorArgs(plan, c, pagesOf !== undefined ? { pagesOf } : {}),
        log: c.log,
        onLine: (line) => {
          const event = parseEvent(line);
          if (event) monitor.contributorEvent(c.name, event, Date.now());
        },
      });
      pids[c.name] = child.pid;
    }
    await writeManifest(plan, prepared, pids);
    if (stopping) return 0;
    say(`dashboard: ${monitor.dashboardUrl}`);
    say('');
    await watch(monitor, io, stopped);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    clearInterval(parentWatch);
    say('stopping the testnet (SIGINT to every process; SIGKILL after 15 s) …');
    const reports = await supervisor.stopAll(STOP_GRACE_MS);
    process.off('exit', killOnExit);
    for (const r of reports) {
      const how = r.killed ? 'killed after the grace period' : r.exit.signal ? `ended by ${r.exit.signal}` : `exit code ${r.exit.code}`;
      say(`  ${r.name.padEnd(12)} ${how}`);
    }
    say(`the testnet's data is in ${plan.root} (start again to carry on its chain; --fresh to start over)`);
    say(`logs: ${plan.logs}`);
  }
  return 0;
}

function describe(plan: TestnetPlan, prepared: PreparedTestnet, say: (line: string) => void): void {
  say(
    `network ${prepared.network}, chain id ${prepared.chainId}` +
      (prepared.derivedGenesis ? ` (genesis derived for ${prepared.blockTimeSeconds} s blocks: ${plan.genesis})` : ''),
  );
  say(`wallet password: ${plan.passwordFile} (mode 0600; every testnet wallet uses it)`);
  for (const node of plan.nodes) {
    const id = prepared.nodes[node.index]!;
    const role = node.mining ? `mining to ${id.minerAddress}` : 'full node';
    say(`  ${node.name}: ${role}; p2p 127.0.0.1:${node.p2pPort}, rpc ${node.rpcPort}; log ${node.log}`);
    const wallet = prepared.minerWallets[node.index];
    if (wallet) say(`          miner wallet ${wallet}`);
  }
  for (const [i, c] of plan.contributors.entries()) {
    say(`  ${c.name}: ${c.kind} contributor ${prepared.contributors[i]!.address} via ${plan.nodes[c.node]!.name}; log ${c.log}`);
  }
}

/** Every port the plan needs must be free on loopback; a taken one is refused by name. */
async function checkPorts(plan: TestnetPlan): Promise<void> {
  for (const node of plan.nodes) {
    for (const [what, port] of [['p2p', node.p2pPort], ['rpc', node.rpcPort]] as const) {
      const free = await new Promise<boolean>((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
      });
      if (!free) {
        throw new TestnetStartError(
          'port-in-use',
          `${node.name}'s ${what} port ${port} is in use on 127.0.0.1: is another testnet running? (stop it, or pick other ports with --base-port)`,
        );
      }
    }
  }
}

async function waitForNodes(plan: TestnetPlan, supervisor: Supervisor, stopped: Promise<void>): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let stop = false;
  void stopped.then(() => (stop = true));
  const pending = new Set(plan.nodes.map((n) => n.index));
  while (pending.size > 0 && !stop) {
    for (const i of [...pending]) {
      const node = plan.nodes[i]!;
      const child = supervisor.children.find((c) => c.name === node.name);
      if (child?.exit) throw new TestnetStartError('node-failed', `${node.name} exited while starting (${child.exit.signal ?? `code ${child.exit.code}`}): see ${node.log}`);
      try {
        await rpcCall({ port: node.rpcPort, datadir: node.datadir, timeoutMs: 2_000 }, 'getblockcount');
        pending.delete(i);
      } catch {
        // Not up yet.
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const names = [...pending].map((i) => plan.nodes[i]!.name).join(', ');
      throw new TestnetStartError('node-failed', `${names} did not answer RPC within ${STARTUP_TIMEOUT_MS / 1000} s: see the logs in ${plan.logs}`);
    }
    await sleep(500);
  }
}

async function watch(monitor: TestnetMonitor, io: LaunchIo, stopped: Promise<void>): Promise<void> {
  const tty = io.tty ?? io.out.isTTY === true;
  const view = tty ? new TtyView(io.out) : null;
  let done = false;
  void stopped.then(() => (done = true));
  let lastLine = 0;
  try {
    while (!done) {
      const now = Date.now();
      await monitor.poll(now);
      if (done) break;
      const snapshot = monitor.snapshot(Date.now());
      if (view) {
        view.draw(renderView(snapshot, { width: io.out.columns ?? 120, color: true }));
      } else if (now - lastLine >= LINE_EVERY_MS) {
        lastLine = now;
        io.out.write(`${renderStatusLine(snapshot)}\n`);
      }
      await Promise.race([sleep(TTY_REFRESH_MS), stopped]);
    }
  } finally {
    view?.close();
  }
}

function parseEvent(line: string): ContributorEvent | null {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string' ? (value as ContributorEvent) : null;
  } catch {
    return null;
  }
}
