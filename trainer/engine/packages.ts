/**
 * Which optional npm packages are present. Asking the resolver (rather than importing) tells
 * "not installed" apart from "installed but broken", which need different advice.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

function packageJsonPath(name: string): string | null {
  try {
    return require.resolve(`${name}/package.json`);
  } catch {
    return null;
  }
}

export function isInstalled(name: string): boolean {
  if (packageJsonPath(name) !== null) return true;
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The installed version, or 'unknown' where the package hides its package.json. */
export function packageVersion(name: string): string {
  const path = packageJsonPath(name);
  if (path === null) return 'unknown';
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
    return typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The folder holding a package's files (its package.json's folder). */
export function packageDir(name: string): string | null {
  const path = packageJsonPath(name);
  return path === null ? null : path.slice(0, -'package.json'.length);
}
