/**
 * Runs `gradientcoin` as a person or a script does: a child process of bin/gradientcoin.js on the
 * pinned Node, bounded by a timeout, with its output collected.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/gradientcoin.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The same bytes undecoded (a byte-level model's sample need not be UTF-8). */
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  readonly stdin?: string;
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

export function gradientcoin(args: readonly string[], opts: RunOptions = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, GC_WALLET_PASSWORD: undefined, ...opts.env };
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => stdout.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(stdout);
      resolve({ code, signal, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr });
    }),
  );
}
