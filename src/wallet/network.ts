/**
 * Which network a wallet command works on. A command that talks to a node takes the node's: the
 * chain id every transfer signs and the address prefix come from its getblockchaininfo, so a
 * wallet used with a private network's node signs for that network without being told. A
 * --genesis given as well must be the same network, or the command stops before signing anything.
 * Commands that only read the keystore take the address prefix from --genesis, else from a
 * genesis.json in the data folder (a node's data folder has one), else from the repository's.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_GENESIS_PATH, loadGenesis } from '../../chain/genesis.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { toHex } from '../../consensus/hash.ts';
import type { RpcCallOptions } from '../rpc/client.ts';
import { WalletError } from './errors.ts';
import { getNodeNetwork } from './node-api.ts';

export interface WalletNetwork {
  readonly network: string;
  readonly chainId: Uint8Array;
  readonly addressPrefix: string;
}

/** The node's network, checked against `genesisPath` when one is given. */
export async function networkOfNode(rpc: RpcCallOptions, genesisPath: string | undefined): Promise<WalletNetwork> {
  const node = await getNodeNetwork(rpc);
  if (genesisPath !== undefined) {
    const own = await loadGenesis(genesisPath);
    if (!bytesEqual(own.hash, node.chainId)) {
      throw new WalletError(
        'wrong-network',
        `--genesis ${genesisPath} is network "${own.params.network}" (chain id ${short(own.hash)}), but the node on RPC port ${rpc.port} ` +
          `follows "${node.network}" (chain id ${short(node.chainId)}): a transfer signed for one is refused by the other. ` +
          "Leave out --genesis to use the node's network, or use a node of that network",
      );
    }
  }
  return { network: node.network, chainId: node.chainId, addressPrefix: node.addressPrefix };
}

/** The genesis file an offline command reads: --genesis, <datadir>/genesis.json if there is one, or the repository's. */
export async function offlineGenesisPath(genesisPath: string | undefined, datadir: string): Promise<string> {
  if (genesisPath !== undefined) return genesisPath;
  const inDatadir = join(datadir, 'genesis.json');
  try {
    await access(inDatadir);
    return inDatadir;
  } catch {
    return DEFAULT_GENESIS_PATH;
  }
}

function short(hash: Uint8Array): string {
  return `${toHex(hash).slice(0, 12)}…`;
}
