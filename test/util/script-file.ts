/**
 * A script of blocks on disk: one canonical msgpack list of encoded blocks. Kept apart from the
 * script builder so that the child processes that read it load nothing else (no training engine).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Block } from '../../consensus/types.ts';
import { encodeBlock } from '../../chain/block.ts';
import { decode, encode } from '../../chain/encoding.ts';
import { readList, readBytes } from '../../chain/fields.ts';

export function writeScript(path: string, blocks: readonly Block[]): void {
  writeFileSync(path, encode(blocks.map(encodeBlock)));
}

export function readScript(path: string): Uint8Array[] {
  const list = readList(decode(new Uint8Array(readFileSync(path)), Number.MAX_SAFE_INTEGER, 'script'), 1_000_000, 'script');
  return list.map((v, i) => readBytes(v, `script[${i}]`));
}
