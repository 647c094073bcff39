/**
 * Bans that outlast a restart: the ban list kept in `<datadir>/banlist.json`, as Bitcoin Core's
 * banlist.json. Without it, a peer banned for misbehaving comes back the moment the node restarts.
 *
 * The file is rewritten whole (atomically: a crash leaves the old file or the new one) after every
 * change, writes coalesced so that a burst of bans costs one or two writes. Expired bans are
 * dropped on load. A file that cannot be read as a ban list is set aside with a warning, as Bitcoin
 * Core does: losing old bans is better than a node that cannot start.
 */
import { readFile, rename } from 'node:fs/promises';
import type { Logger } from '../log.ts';
import { writeFileAtomic } from '../wallet/atomic-file.ts';
import type { BanEntry, BanReason } from './ban-list.ts';

export const BAN_FILE_NAME = 'banlist.json';
const VERSION = 1;
const REASONS: ReadonlySet<string> = new Set<BanReason>(['misbehaving', 'wrong-network', 'manual']);

export class BanFile {
  readonly path: string;
  readonly #log: Logger;
  #pending: readonly BanEntry[] | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string, log: Logger) {
    this.path = path;
    this.#log = log;
  }

  /** The bans in force at `nowMs`; [] when there is no file (or an unreadable one, set aside). */
  async load(nowMs: number): Promise<BanEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let entries: BanEntry[];
    try {
      entries = parseBanFile(text);
    } catch (err) {
      const aside = `${this.path}.bad-${nowMs}`;
      await rename(this.path, aside);
      this.#log.warn({ file: this.path, movedTo: aside, reason: (err as Error).message }, 'ban list unreadable: set aside, starting with no bans');
      return [];
    }
    return entries.filter((e) => e.untilMs > nowMs);
  }

  /** Writes `entries` soon; only the latest list is written when writes queue up. */
  save(entries: readonly BanEntry[]): void {
    const idle = this.#pending === null;
    this.#pending = entries;
    if (!idle) return;
    this.#writing = this.#writing.then(async () => {
      const list = this.#pending;
      this.#pending = null;
      if (list === null) return;
      const body = JSON.stringify({ version: VERSION, bans: list }, null, 1);
      await writeFileAtomic(this.path, `${body}\n`, { overwrite: true, mode: 0o644 }).catch((err: unknown) =>
        this.#log.warn({ file: this.path, err: (err as Error).message }, 'ban list not saved'),
      );
    });
  }

  /** Resolves once every change saved so far is on disk. */
  async flush(): Promise<void> {
    await this.#writing;
    if (this.#pending !== null) await this.flush();
  }
}

/** Reads a ban list file; throws with the reason when it is not one. */
export function parseBanFile(text: string): BanEntry[] {
  const json = JSON.parse(text) as unknown;
  if (typeof json !== 'object' || json === null || (json as { version?: unknown }).version !== VERSION) {
    throw new Error(`not a version ${VERSION} ban list`);
  }
  const bans = (json as { bans?: unknown }).bans;
  if (!Array.isArray(bans)) throw new Error('bans must be an array');
  return bans.map((b: unknown, i): BanEntry => {
    const e = b as Partial<Record<keyof BanEntry, unknown>>;
    if (typeof e.peer !== 'string' || e.peer.length === 0 || e.peer.length > 128) throw new Error(`ban ${i}: peer must be a peer id`);
    if (typeof e.reason !== 'string' || !REASONS.has(e.reason)) throw new Error(`ban ${i}: unknown reason ${String(e.reason)}`);
    if (typeof e.detail !== 'string') throw new Error(`ban ${i}: detail must be a string`);
    if (typeof e.untilMs !== 'number' || !Number.isSafeInteger(e.untilMs)) throw new Error(`ban ${i}: untilMs must be an integer`);
    return Object.freeze({ peer: e.peer, reason: e.reason as BanReason, detail: e.detail.slice(0, 512), untilMs: e.untilMs });
  });
}
