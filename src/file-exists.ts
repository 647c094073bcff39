/**
 * Whether a path exists, for the datadir, the testnet folder and the wallet's files: ENOENT is
 * "no", any other failure (permissions, I/O) is thrown rather than taken for "no".
 */
import { lstat, stat } from 'node:fs/promises';

/** `followLinks: false` asks about the path itself (a dangling symbolic link exists). */
export async function pathExists(path: string, options: { readonly followLinks?: boolean } = {}): Promise<boolean> {
  try {
    await (options.followLinks === false ? lstat(path) : stat(path));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
