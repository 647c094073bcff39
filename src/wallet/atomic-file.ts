/**
 * Crash-safe file writes for secrets. The bytes go to a fresh temporary file in the same folder,
 * created with the final permissions (never world-readable, not even for a moment), are flushed to
 * disk, and only then take the final name in one step: a reader or a crash sees the old file or the
 * new one, never a half-written one, and no partial copy lingers.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pathExists } from '../file-exists.ts';

export interface AtomicWriteOptions {
  /** Permissions of the new file (default 0600: owner only). */
  readonly mode?: number;
  /** Replace an existing file (default false: fail with EEXIST, checked atomically). */
  readonly overwrite?: boolean;
}

/** The prefix of temporary files, so that they are recognisable (and tests can look for them). */
export const TEMP_PREFIX = '.tmp-';

export async function writeFileAtomic(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}-${randomBytes(6).toString('hex')}`);
  // 'wx': fail rather than follow a symlink or reuse a file someone placed there.
  const mode = opts.mode ?? 0o600;
  const handle = await open(temp, 'wx', mode);
  try {
    try {
      await handle.chmod(mode); // exactly this mode, whatever the umask
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (opts.overwrite) {
      await rename(temp, path);
    } else {
      await linkNoClobber(temp, path);
    }
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/**
 * link() fails with EEXIST instead of replacing, which rename() cannot do atomically. File systems
 * without hard links (FAT, some FUSE mounts) fall back to check-then-rename, racy only against a
 * second writer of the same name at the same instant.
 */
async function linkNoClobber(temp: string, path: string): Promise<void> {
  try {
    await link(temp, path);
    await unlink(temp);
    return;
  } catch (err) {
    if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  if (await pathExists(path, { followLinks: false })) throw Object.assign(new Error(`EEXIST: file already exists, '${path}'`), { code: 'EEXIST' });
  await rename(temp, path);
}

const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV']);

/** Makes the new directory entry durable; some platforms cannot open a folder, which is harmless. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows and some network file systems refuse; the data itself is already synced.
  } finally {
    await handle?.close();
  }
}
