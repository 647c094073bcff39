/**
 * Everything a testnet needs on disk before its first process starts: the folder (wiped with
 * --fresh, refused if it is not a testnet's), the genesis, one password for every wallet, the
 * miners' and contributors' wallets (light KDF: throwaway keys), each node's P2P key (so every
 * node's peer id is known before any starts, for the bootnode lists), and the manifest. A second
 * run on the same folder reuses all of it and carries on the same chain.
 */
import { CodedError, describeError } from '../../trainer/coded-error.ts';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_GENESIS_PATH, loadGenesis } from '../../chain/genesis.ts';
import { decodeAddress } from '../../chain/address.ts';
import { toHex } from '../../consensus/hash.ts';
import { loadOrCreatePeerKey } from '../p2p/peer-key.ts';
import { LIGHT_SCRYPT } from '../wallet/keystore.ts';
import { readPasswordFile } from '../wallet/password.ts';
import { WalletStore, type WalletInfo } from '../wallet/wallet-store.ts';
import type { ContributorKind, NodeIdentity, TestnetOptions, TestnetPlan } from './config.ts';
import { CONTRIBUTOR_WALLET_NAME, MINER_WALLET_NAME } from './names.ts';
import { buildGenesis, genesisText, readGenesisJson, withBlockTime } from './genesis-builder.ts';
import { pathExists } from '../file-exists.ts';

export interface ContributorIdentity {
  readonly name: string;
  readonly kind: ContributorKind;
  readonly address: string;
  readonly publicKey: string;
}

export interface PreparedTestnet {
  readonly network: string;
  readonly chainId: string;
  readonly blockTimeSeconds: number;
  readonly collectionWindowSeconds: number;
  /** True when --block-time made a genesis of its own (not the repository's). */
  readonly derivedGenesis: boolean;
  readonly nodes: readonly NodeIdentity[];
  /** Each node's miner keystore, where the testnet made one (null: not a miner, or paying a given address). */
  readonly minerWallets: readonly (string | null)[];
  readonly contributors: readonly ContributorIdentity[];
}

export class TestnetSetupError extends CodedError<'not-a-testnet' | 'other-genesis' | 'bad-miner-address'> {}

export async function prepareTestnet(plan: TestnetPlan, opts: TestnetOptions, template = DEFAULT_GENESIS_PATH): Promise<PreparedTestnet> {
  if (opts.fresh) await wipe(plan);
  await mkdir(plan.root, { recursive: true, mode: 0o700 });
  await mkdir(plan.logs, { recursive: true });
  const { network, chainId, derived } = await installGenesis(plan, template, opts.blockTime);
  const genesis = await loadGenesis(plan.genesis);
  const { params } = genesis;
  const password = await ensurePassword(plan.passwordFile);
  const miners = opts.minerAddresses.map((a, i) => {
    try {
      decodeAddress(params.addressPrefix, a);
    } catch (err) {
      throw new TestnetSetupError('bad-miner-address', `miner address ${i + 1} ${JSON.stringify(a)}: ${describeError(err)}`);
    }
    return a;
  });
  const nodes: NodeIdentity[] = [];
  const minerWallets: (string | null)[] = [];
  for (const node of plan.nodes) {
    await mkdir(node.datadir, { recursive: true, mode: 0o700 });
    // A node's folder names its network itself, as `gradientcoin init` leaves it, so the commands
    // that read a datadir alone (generate --offline, node without --genesis) find the right one.
    await copyFile(plan.genesis, join(node.datadir, 'genesis.json'));
    const key = await loadOrCreatePeerKey(join(node.datadir, 'peer.key'));
    let minerAddress: string | null = null;
    let minerWallet: string | null = null;
    if (node.mining) {
      minerAddress = miners[node.index] ?? null;
      if (minerAddress === null) {
        const wallet = await ensureWallet(node.datadir, MINER_WALLET_NAME, params.addressPrefix, password);
        minerAddress = wallet.address;
        minerWallet = wallet.path;
      }
    }
    nodes.push({ peerId: key.publicKey.toString(), minerAddress });
    minerWallets.push(minerWallet);
  }
  const contributors: ContributorIdentity[] = [];
  for (const c of plan.contributors) {
    const wallet = await ensureWallet(c.datadir, CONTRIBUTOR_WALLET_NAME, params.addressPrefix, password);
    contributors.push({ name: c.name, kind: c.kind, address: wallet.address, publicKey: toHex(wallet.publicKey) });
  }
  return {
    network,
    chainId,
    blockTimeSeconds: params.pow.blockTimeSeconds,
    collectionWindowSeconds: params.gauntlet.collectionWindowSeconds,
    derivedGenesis: derived,
    nodes,
    minerWallets,
    contributors,
  };
}

/** --fresh: only a folder that is a testnet's (or empty) is ever deleted. */
async function wipe(plan: TestnetPlan): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(plan.root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (entries.length > 0 && !entries.includes('testnet.json') && !entries.includes('genesis.json')) {
    throw new TestnetSetupError('not-a-testnet', `${plan.root} is not empty and holds no testnet (no testnet.json): --fresh will not delete it`);
  }
  await rm(plan.root, { recursive: true, force: true });
}

/**
 * The repository's genesis, or one derived from it with another block time. A folder that already
 * holds another network's genesis is refused: its chain belongs to that network.
 */
async function installGenesis(plan: TestnetPlan, template: string, blockTime: number | undefined): Promise<{ network: string; chainId: string; derived: boolean }> {
  const source = await loadGenesis(template);
  const derived = blockTime !== undefined && blockTime !== source.params.pow.blockTimeSeconds;
  const wanted = derived ? withBlockTime(await readGenesisJson(template), blockTime) : null;
  const wantedId = wanted ? buildGenesis(wanted).chainId : toHex(source.hash);
  if (await pathExists(plan.genesis)) {
    const present = await loadGenesis(plan.genesis);
    if (toHex(present.hash) !== wantedId) {
      // Also what an upgrade that changed the repository's genesis (a new testnet) looks like.
      throw new TestnetSetupError(
        'other-genesis',
        `${plan.root} holds a testnet of another genesis (${toHex(present.hash).slice(0, 16)}…, block time ${present.params.pow.blockTimeSeconds} s); ` +
          `this start asks for ${wantedId.slice(0, 16)}… ("${source.params.genesisMessage}"). ` +
          'Start it with the same options, or pass --fresh to wipe it and start over',
      );
    }
    return { network: present.params.network, chainId: wantedId, derived };
  }
  if (wanted) await writeFile(plan.genesis, genesisText(wanted), { mode: 0o644 });
  else await copyFile(template, plan.genesis);
  return { network: source.params.network, chainId: wantedId, derived };
}

/** One random password for every wallet of the testnet, in a file only its owner can read. */
async function ensurePassword(path: string): Promise<string> {
  if (await pathExists(path)) return readPasswordFile(path);
  const password = randomBytes(16).toString('hex');
  await writeFile(path, `${password}\n`, { mode: 0o600, flag: 'wx' });
  return password;
}

async function ensureWallet(datadir: string, name: string, prefix: string, password: string): Promise<WalletInfo> {
  const store = new WalletStore({ datadir, prefix, scrypt: LIGHT_SCRYPT });
  return (await store.exists(name)) ? store.info(name) : store.create(name, password);
}

/** The manifest: what runs where, for people and for scripts (tests read the pids from it). */
export async function writeManifest(plan: TestnetPlan, prepared: PreparedTestnet, pids: Readonly<Record<string, number>>): Promise<void> {
  const manifest = {
    network: prepared.network,
    chainId: prepared.chainId,
    genesis: plan.genesis,
    passwordFile: plan.passwordFile,
    logs: plan.logs,
    nodes: plan.nodes.map((n) => ({
      name: n.name,
      datadir: n.datadir,
      p2pPort: n.p2pPort,
      rpcPort: n.rpcPort,
      peerId: prepared.nodes[n.index]!.peerId,
      mining: n.mining,
      minerAddress: prepared.nodes[n.index]!.minerAddress,
      minerWallet: prepared.minerWallets[n.index] ?? null,
      log: n.log,
      pid: pids[n.name] ?? null,
    })),
    contributors: plan.contributors.map((c, i) => ({
      name: c.name,
      kind: c.kind,
      address: prepared.contributors[i]!.address,
      node: plan.nodes[c.node]!.name,
      log: c.log,
      pid: pids[c.name] ?? null,
    })),
  };
  await writeFile(plan.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function readManifestPids(path: string): Promise<number[]> {
  const json = JSON.parse(await readFile(path, 'utf8')) as { nodes?: { pid?: unknown }[]; contributors?: { pid?: unknown }[] };
  return [...(json.nodes ?? []), ...(json.contributors ?? [])].map((p) => p.pid).filter((p): p is number => typeof p === 'number');
}
