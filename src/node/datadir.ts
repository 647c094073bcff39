/**
 * The data folder of a node, bitcoind's -datadir:
 *
 *   <datadir>/genesis.json   the network's genesis, copied in by `gradientcoin init`
 *   <datadir>/chain/         the chain database (LevelDB; its LOCK keeps a second node out)
 *   <datadir>/.cookie        RPC credentials, written while the node runs (mode 0600)
 *   <datadir>/peer.key       the node's P2P identity (mode 0600), so its peer id survives restarts
 *   <datadir>/swarm.key      optional pre-shared key of a private network (used when present)
 *   <datadir>/debug.log      the node's log, JSON lines, appended
 *   <datadir>/wallets/       keystores (`gradientcoin wallet`)
 */
import { CodedError } from '../../trainer/coded-error.ts';
import { constants } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_GENESIS_PATH, loadGenesis } from '../../chain/genesis.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { toHex } from '../../consensus/hash.ts';
import { pathExists } from '../file-exists.ts';
import { COOKIE_FILE } from '../rpc/cookie.ts';
import { PEER_KEY_FILE_NAME } from '../p2p/peer-key.ts';
import { PSK_FILE_NAME } from '../p2p/pnet.ts';
import { BAN_FILE_NAME } from '../p2p/ban-file.ts';

export const DEFAULT_DATADIR = join(homedir(), '.gradientcoin');

export interface DatadirLayout {
  readonly root: string;
  readonly genesis: string;
  readonly chain: string;
  readonly cookie: string;
  readonly peerKey: string;
  readonly swarmKey: string;
  /** Bans kept across restarts. */
  readonly banList: string;
  /** The address index's LevelDB (src/indexes/address-index.ts). */
  readonly addressIndex: string;
  readonly logFile: string;
  readonly wallets: string;
}

export function datadirLayout(root: string): DatadirLayout {
  const dir = resolve(root);
  return Object.freeze({
    root: dir,
    genesis: join(dir, 'genesis.json'),
    chain: join(dir, 'chain'),
    cookie: join(dir, COOKIE_FILE),
    peerKey: join(dir, PEER_KEY_FILE_NAME),
    swarmKey: join(dir, PSK_FILE_NAME),
    banList: join(dir, BAN_FILE_NAME),
    addressIndex: join(dir, 'indexes', 'address'),
    logFile: join(dir, 'debug.log'),
    wallets: join(dir, 'wallets'),
  });
}

/** Creates the folder (readable by its owner only) if it does not exist. */
export async function ensureDatadir(root: string): Promise<DatadirLayout> {
  const layout = datadirLayout(root);
  await mkdir(layout.root, { recursive: true, mode: 0o700 });
  return layout;
}

/** The genesis to run: the one named, else the datadir's own, else the repository's testnet. */
export async function resolveGenesisPath(layout: DatadirLayout, explicit?: string): Promise<string> {
  if (explicit !== undefined) return resolve(explicit);
  return (await pathExists(layout.genesis)) ? layout.genesis : DEFAULT_GENESIS_PATH;
}

export class DatadirError extends CodedError<'other-genesis'> {}

/**
 * Copies a genesis file into the datadir. A datadir that already has one keeps it if it names the
 * same network (same genesis hash, whatever the formatting), and refuses another network's.
 */
export async function installGenesis(layout: DatadirLayout, source: string): Promise<'copied' | 'present'> {
  const wanted = await loadGenesis(source);
  if (await pathExists(layout.genesis)) {
    if (resolve(source) === layout.genesis) return 'present';
    const present = await loadGenesis(layout.genesis);
    if (bytesEqual(present.hash, wanted.hash)) return 'present';
    throw new DatadirError(
      'other-genesis',
      `${layout.root} already holds the network with genesis ${toHex(present.hash)}; ${source} is genesis ${toHex(wanted.hash)} (use another --datadir)`,
    );
  }
  await copyFile(source, layout.genesis, constants.COPYFILE_EXCL);
  return 'copied';
}
