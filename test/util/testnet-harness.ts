/**
 * A testnet started as a person starts it: `gradientcoin testnet` as a child process, off a
 * terminal (so it prints status lines), on ports of its own. Every wait is bounded, and stop()
 * ends the launcher with SIGINT, then kills whatever the manifest says is still running, so a
 * failed test leaves no process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCookie } from '../../src/rpc/cookie.ts';
import { rpcCall, type RpcCallOptions } from '../../src/rpc/client.ts';
import { readManifestPids } from '../../src/testnet/setup.ts';
import { BIN, REPO } from '../e2e/cli.ts';
import { describeError } from '../../trainer/coded-error.ts';

export interface RunningTestnet {
  readonly datadir: string;
  readonly basePort: number;
  readonly process: ChildProcess;
  /** Everything the launcher printed so far. */
  output(): string;
  /** RPC options for node i (its cookie in its datadir). */
  rpc(i: number): RpcCallOptions;
  /** `--rpc-user __cookie__ --rpc-password <secret>` for a CLI call to node i from another data folder. */
  cookieArgs(i: number): Promise<string[]>;
  /** SIGINT, then SIGKILL after `graceMs`; resolves with the launcher's exit status. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Four ports per node, away from the defaults and from other test files (by process id). */
export function testBasePort(): number {
  return 21000 + (process.pid % 1000) * 16;
}

export function startTestnet(datadir: string, args: readonly string[], basePort = testBasePort()): RunningTestnet {
  const child = spawn(process.execPath, [BIN, 'testnet', '--datadir', datadir, '--base-port', String(basePort), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GC_WALLET_PASSWORD: undefined },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const nodeDir = (i: number): string => join(datadir, `node-${i}`);
  return {
    datadir,
    basePort,
    process: child,
    output: () => output,
    rpc: (i) => ({ port: basePort + 2 * i + 1, datadir: nodeDir(i), timeoutMs: 10_000 }),
    cookieArgs: async (i) => {
      const cookie = await readCookie(nodeDir(i));
      return ['--rpc-user', cookie.user, '--rpc-password', cookie.password];
    },
    stop: async (graceMs = 30_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      // The launcher stops its children; if it could not, they go now.
      const pids = await readManifestPids(join(datadir, 'testnet.json')).catch(() => []);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone: the expected case.
        }
      }
      return result;
    },
  };
}

/** Whether a process with this id is still running (signal 0 tests for it and sends nothing). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${describeError(last)})` : ''}`);
}

/** The height of node i once it answers. */
export function blockCount(t: RunningTestnet, i: number): Promise<number> {
  return rpcCall<number>(t.rpc(i), 'getblockcount');
}

export async function readManifest(datadir: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(datadir, 'testnet.json'), 'utf8')) as Record<string, unknown>;
}
