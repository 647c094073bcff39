/**
 * Exclusive use of a datadir. LevelDB's own LOCK file (an fcntl lock the OS drops when the process
 * dies, even by SIGKILL) is what excludes a second process; this module only turns its error into
 * one an operator can act on, naming the holder's pid from a PID file written beside it.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChainDBError } from './errors.ts';

const PID_FILE = 'PID';

/** True for the error classic-level throws when another handle holds the LOCK. */
export function isLockedError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  const cause = (err as { cause?: unknown }).cause;
  const causeCode = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
  return code === 'LEVEL_LOCKED' || causeCode === 'LEVEL_LOCKED';
}

export function inUseError(location: string): ChainDBError {
  const pid = readPid(location);
  return new ChainDBError('in-use', `datadir ${location} is in use by another process (pid ${pid ?? 'unknown'})`);
}

/** Called once the LOCK is held, so a stale PID file of a killed process is simply replaced. */
export function writePid(location: string): void {
  writeFileSync(join(location, PID_FILE), `${process.pid}\n`);
}

export function removePid(location: string): void {
  rmSync(join(location, PID_FILE), { force: true });
}

function readPid(location: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(location, PID_FILE), 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
