/**
 * Relative paths mean the folder the person typed the command in. npm runs a package's scripts in
 * the package's root, so `npm run gc -- genesis --out net.json` would otherwise write into the
 * repository (and a swarm key next to its sources); npm names the person's folder in INIT_CWD.
 */
import { realpathSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Moves to npm's INIT_CWD when the command runs as an npm script (npm_lifecycle_event set, and the
 * working folder the package root, where npm puts its scripts); returns the folder now in use. A
 * process started elsewhere keeps its folder even if it inherited INIT_CWD from an outer npm.
 */
export function useInvocationDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const initCwd = env['INIT_CWD'];
  if (initCwd && env['npm_lifecycle_event'] !== undefined && samePath(process.cwd(), PACKAGE_ROOT) && isDirectory(initCwd)) process.chdir(initCwd);
  return process.cwd();
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
