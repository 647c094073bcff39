/**
 * Pre-shared keys for private networks (libp2p pnet). The key file holds libp2p's "swarm key"
 * format, so go-ipfs/kubo tooling can read it:
 *
 *   /key/swarm/psk/1.0.0/
 *   /base16/
 *   <64 hex digits>
 *
 * With a key, every connection is encrypted under it before the Noise handshake starts; a host
 * without the key cannot even learn our peer id. The file lives in the datadir (PSK_FILE_NAME).
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { P2PError } from './errors.ts';

export const PSK_FILE_NAME = 'swarm.key';
const HEADER = '/key/swarm/psk/1.0.0/\n/base16/\n';
const KEY_HEX = /^[0-9a-f]{64}$/;

/** A fresh key file's bytes. */
export function generatePsk(): Uint8Array {
  return new TextEncoder().encode(HEADER + randomBytes(32).toString('hex'));
}

/** Checks a key file's bytes; throws P2PError('malformed') naming what is wrong. */
export function parsePsk(bytes: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(bytes).replace(/\r\n?/g, '\n').trimEnd();
  const lines = text.split('\n');
  if (lines.length !== 3 || `${lines[0]}\n${lines[1]}\n` !== HEADER) {
    throw new P2PError('malformed', 'a swarm key starts with "/key/swarm/psk/1.0.0/" and "/base16/" lines');
  }
  if (!KEY_HEX.test(lines[2]!)) throw new P2PError('malformed', 'a swarm key ends with 64 lowercase hex digits');
  return new TextEncoder().encode(`${HEADER}${lines[2]!}`);
}

/** Writes a new key file (never over an existing one) and returns its bytes. */
export async function writePskFile(path: string): Promise<Uint8Array> {
  const psk = generatePsk();
  await writeFile(path, psk, { flag: 'wx', mode: 0o600 });
  return psk;
}

export async function readPskFile(path: string): Promise<Uint8Array> {
  return parsePsk(await readFile(path));
}
