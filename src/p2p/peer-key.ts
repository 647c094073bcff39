/**
 * The node's peer identity: an Ed25519 key kept in the datadir, so a node keeps its peer id across
 * restarts (others' bans and scores, bootstrap lists and logs all name it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';

export const PEER_KEY_FILE_NAME = 'peer.key';

/** Reads the key at `path`, or creates it (mode 0600) when there is none. */
export async function loadOrCreatePeerKey(path: string): Promise<PrivateKey> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const key = await generateKeyPair('Ed25519');
    await writeFile(path, privateKeyToProtobuf(key), { flag: 'wx', mode: 0o600 });
    return key;
  }
  return privateKeyFromProtobuf(bytes);
}
