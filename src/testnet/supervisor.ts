/**
 * The testnet's child processes: started on the pinned Node with their output appended to a log
 * file each, watched, and stopped together. Each child runs in a process group of its own, so the
 * terminal's Ctrl-C reaches only the launcher, which then asks each child once (SIGINT: a node's
 * graceful stop; a second SIGINT would make it exit at once) and kills what is still running after
 * the grace period (SIGKILL). Each child also watches for the launcher's disappearance
 * (orphan-guard.ts), so not even a SIGKILL of the launcher leaves processes behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Stops a child whose launcher has gone (see orphan-guard.ts). */
const ORPHAN_GUARD = pathToFileURL(fileURLToPath(new URL('./orphan-guard.ts', import.meta.url))).href;

export interface ChildSpec {
  readonly name: string;
  /** Arguments to the Node binary (the script first). */
  readonly args: readonly string[];
  readonly log: string;
  /** Called with each line of the child's stdout (which still goes to the log as well). */
  readonly onLine?: (line: string) => void;
  readonly cwd?: string;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** Set once it has exited. */
  exit: ChildExit | null;
}

export interface StopReport {
  readonly name: string;
  readonly exit: ChildExit;
  /** It had to be killed after the grace period. */
  readonly killed: boolean;
}

export class Supervisor {
  readonly #children: { child: Child; process: ChildProcess; log: WriteStream }[] = [];
  readonly #onExit: (child: Child) => void;
  #stopping = false;

  /** `onExit` hears of a child that exits on its own (not during stopAll). */
  constructor(onExit: (child: Child) => void = () => undefined) {
    this.#onExit = onExit;
  }

  get children(): readonly Child[] {
    return this.#children.map((c) => c.child);
  }

  async start(spec: ChildSpec): Promise<Child> {
    const log = createWriteStream(spec.log, { flags: 'a' });
    await once(log, 'open');
    log.write(`\n---- ${new Date().toISOString()} start: ${spec.args.join(' ')}\n`);
    const proc = spawn(process.execPath, ['--import', ORPHAN_GUARD, ...spec.args], {
      cwd: spec.cwd ?? process.cwd(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GC_WALLET_PASSWORD: undefined },
    });
    if (proc.pid === undefined) {
      log.end();
      const [err] = (await once(proc, 'error')) as [Error];
      throw new Error(`cannot start ${spec.name}: ${err.message}`);
    }
    proc.stderr!.pipe(log, { end: false });
    let buffered = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (!spec.onLine) return;
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() !== '') spec.onLine(line);
      }
    });
    const child: Child = {
      name: spec.name,
      pid: proc.pid,
      exit: null,
      exited: new Promise<ChildExit>((resolve) => {
        proc.on('close', (code, signal) => {
          const exit = { code, signal };
          child.exit = exit;
          log.end(`---- ${new Date().toISOString()} exit: ${signal ?? `code ${code}`}\n`);
          resolve(exit);
          if (!this.#stopping) this.#onExit(child);
        });
      }),
    };
    this.#children.push({ child, process: proc, log });
    return child;
  }

  /**
   * SIGINT to every running child, then SIGKILL to those still running after `graceMs`.
   * Resolves once every child has exited.
   */
  async stopAll(graceMs = 15_000): Promise<StopReport[]> {
    this.#stopping = true;
    const running = this.#children.filter((c) => c.child.exit === null);
    for (const c of running) signal(c.process, 'SIGINT');
    const killed = new Set<string>();
    const timer = setTimeout(() => {
      for (const c of running) {
        if (c.child.exit !== null) continue;
        killed.add(c.child.name);
        signal(c.process, 'SIGKILL');
      }
    }, graceMs);
    const exits = await Promise.all(this.#children.map((c) => c.child.exited));
    clearTimeout(timer);
    return this.#children.map((c, i) => ({ name: c.child.name, exit: exits[i]!, killed: killed.has(c.child.name) }));
  }

  /** Last resort when the launcher itself is leaving abruptly: SIGKILL, synchronously. */
  killAll(): void {
    for (const c of this.#children) if (c.child.exit === null) signal(c.process, 'SIGKILL');
  }
}

/** Signals the child's own process (not its group: a node's worker threads live inside it). */
function signal(proc: ChildProcess, sig: NodeJS.Signals): void {
  try {
    proc.kill(sig);
  } catch {
    // Already gone.
  }
}
