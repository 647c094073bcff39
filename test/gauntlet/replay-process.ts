/**
 * Runs replay-child.ts in another OS process, under any Node binary (this one, or Node 22 for the
 * cross-version check), and reads back its rows.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReplayRow } from './replay-child.ts';

const CHILD = fileURLToPath(new URL('./replay-child.ts', import.meta.url));

export function replayInProcess(file: string, location: string, nodeBinary = process.execPath): Promise<ReplayRow[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary, [CHILD, file, location], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`replay child (${nodeBinary}) exited with ${code}: ${err}`));
      else resolve(out.trim().split('\n').map((line) => JSON.parse(line) as ReplayRow));
    });
  });
}
