/**
 * `gradientcoin node`: run a full node until the `stop` RPC or a signal (SIGINT/SIGTERM; a second
 * one exits at once). Options follow bitcoind's and bcoin's names where they exist. The node's
 * modules (libp2p above all) load only when the command runs, so other commands start quickly.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { decodeAddress } from '../../chain/address.ts';
import { loadGenesis } from '../../chain/genesis.ts';
import { DEFAULT_RPC_PORT } from '../rpc/client.ts';
import { DEFAULT_NETWORK_OPTIONS } from '../p2p/network-options.ts';
import { integer } from './options.ts';
import {
  ConfigError,
  DEFAULT_BIND,
  DEFAULT_P2P_PORT,
  defaultAssumeValid,
  defaultThreads,
  defaultVerifyThreads,
  listenAddress,
  parseAssumeValid,
  parseBind,
  parseBootnodes,
  parsePort,
  parseThreads,
  parseVerifyThreads,
} from '../node/config.ts';
import { DEFAULT_DATADIR, ensureDatadir, resolveGenesisPath } from '../node/datadir.ts';
import { pathExists } from '../file-exists.ts';
import type { MiningOptions } from '../node/full-node.ts';
import type { KeyPair } from '../../chain/keys.ts';
import type { BackendChoice } from '../../trainer/engine/backends.ts';
import { PASSWORD_ENV, readPassword } from '../wallet/password.ts';
import { WalletStore } from '../wallet/wallet-store.ts';

interface NodeCommandOptions {
  readonly datadir: string;
  readonly genesis?: string;
  readonly port: number;
  readonly bind: string;
  readonly bootnodes?: string[];
  readonly targetPeers: number;
  readonly mdns: boolean;
  readonly psk?: string;
  readonly rpcPort: number;
  readonly rpcUser?: string;
  readonly rpcPassword?: string;
  readonly mine?: boolean;
  readonly minerAddress?: string;
  readonly threads: number;
  readonly verifyThreads: number;
  /** Absent: the network's default; null: score every block. */
  readonly assumeValid?: Uint8Array | null;
  readonly logLevel: string;
  readonly logFile: boolean;
  readonly train?: boolean;
  readonly wallet: string;
  readonly passwordFile?: string;
  readonly backend: string;
}

export function register(program: Command): void {
  program
    .command('node')
    .description('run a full node: sync and verify the chain, relay blocks and transfers, serve JSON-RPC, and mine with --mine')
    .option('--datadir <path>', 'data folder', DEFAULT_DATADIR)
    .option('--genesis <path>', "the network's genesis file (default: <datadir>/genesis.json if present, else the repository's testnet)")
    .option('--port <port>', 'P2P port', checked((t) => parsePort(t, '--port', true)), DEFAULT_P2P_PORT)
    .option('--bind <ip>', 'interface the P2P port listens on', checked(parseBind), DEFAULT_BIND)
    .option('--bootnodes <multiaddr,...>', 'peers to dial, comma-separated, each ending in /p2p/<peer id>', checked(parseBootnodes))
    .option('--target-peers <n>', 'keep dialling peers while fewer are connected', integer(1, 1_000), DEFAULT_NETWORK_OPTIONS.targetPeers)
    .option('--no-mdns', 'no mDNS peer discovery on the local network')
    .option('--psk <file>', 'swarm key of a private network (default: <datadir>/swarm.key when present)')
    .option('--rpc-port <port>', 'JSON-RPC port on 127.0.0.1', checked((t) => parsePort(t, '--rpc-port', true)), DEFAULT_RPC_PORT)
    .option('--rpc-user <user>', 'accept this RPC user besides the cookie (with --rpc-password)')
    .option('--rpc-password <password>', 'the RPC password for --rpc-user')
    .option('--mine', 'mine blocks on the CPU')
    .option('--miner-address <address>', 'the address mined blocks pay (needed with --mine)')
    .addOption(new Option('--threads <n>', 'mining threads').argParser(checked(parseThreads)).default(defaultThreads(), 'every core but one'))
    .addOption(
      new Option('--verify-threads <n>', "threads scoring a block's contributions (1: the node's own thread alone)")
        .argParser(checked(parseVerifyThreads))
        .default(defaultVerifyThreads(), 'every core'),
    )
    .option(
      '--assume-valid <hash>',
      "trust the scores in the reports of this block and its ancestors (still recomputing rewards, the model and the state root); 0 scores every block (default: the network's release checkpoint, else none)",
      checked(parseAssumeValid),
    )
    .option('--train', 'contribute: train a pseudo-gradient for every tip and submit it (paid by the Gauntlet to --wallet)')
    .option('--wallet <name>', 'with --train: the wallet in <datadir>/wallets whose key signs and is paid', 'default')
    .option('--password-file <path>', `with --train: the wallet's password (else ${PASSWORD_ENV}, else a prompt)`)
    .option('--backend <name>', 'with --train: fast, wasm, cpu, tensorflow, gpu, webgpu or auto', 'fast')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', 'info')
    .option('--no-log-file', 'do not append the log to <datadir>/debug.log')
    .action(async (opts: NodeCommandOptions) => {
      const [{ FullNode }, { createNodeLogger }, { stopOnSignals }, { readPskFile }, { prepareGauntlet }] = await Promise.all([
        import('../node/full-node.ts'),
        import('../node/node-logger.ts'),
        import('../node/shutdown.ts'),
        import('../p2p/pnet.ts'),
        import('../node/gauntlet-wiring.ts'),
      ]);
      if ((opts.rpcUser === undefined) !== (opts.rpcPassword === undefined)) {
        throw new ConfigError('bad-rpc-auth', 'pass both --rpc-user and --rpc-password, or neither');
      }
      const layout = await ensureDatadir(opts.datadir);
      const genesis = await loadGenesis(await resolveGenesisPath(layout, opts.genesis));
      const mining = miningOptions(opts, genesis.params.addressPrefix);
      const pskPath = opts.psk ?? ((await pathExists(layout.swarmKey)) ? layout.swarmKey : undefined);
      const psk = pskPath === undefined ? undefined : await readPskFile(pskPath);
      const log = createNodeLogger({ level: opts.logLevel, file: opts.logFile ? layout.logFile : null });
      if (pskPath !== undefined) log.info({ swarmKey: pskPath }, 'private network: only peers with this swarm key can connect');
      const training = opts.train ? await trainingKey(opts, layout.root, genesis.params.addressPrefix) : null;
      const gauntlet = await prepareGauntlet(genesis, { verifyThreads: opts.verifyThreads });
      const node = await FullNode.start({
        datadir: layout.root,
        genesis,
        listen: [listenAddress(opts.bind, opts.port)],
        bootnodes: opts.bootnodes ?? [],
        networkOptions: { targetPeers: opts.targetPeers },
        mdns: opts.mdns,
        ...(psk ? { psk } : {}),
        rpcPort: opts.rpcPort,
        ...(opts.rpcUser !== undefined && opts.rpcPassword !== undefined ? { rpcUser: opts.rpcUser, rpcPassword: opts.rpcPassword } : {}),
        mining,
        log,
        chainOptions: {
          dataset: gauntlet.dataset,
          lossBatch: gauntlet.lossBatch,
          assumeValid: opts.assumeValid === undefined ? defaultAssumeValid(genesis.params.network, genesis.hash) : opts.assumeValid,
        },
        contributions: gauntlet.pool,
        blockTemplate: gauntlet.blockTemplate,
        rpcExtensions: gauntlet.rpcExtensions,
      });
      const stopTraining = training
        ? (await import('../node/trainer-mode.ts')).startTrainerMode({ node, gauntlet, log, ...training })
        : async (): Promise<void> => undefined;
      stopOnSignals({ log, stop: () => stopTraining().then(() => node.stop()).then(() => undefined) });
      const clean = await node.closed;
      await gauntlet.close();
      process.exit(clean ? 0 : 1);
    });
}

/** The contributor's key and backend, checked before the node starts so a mistake costs nothing. */
async function trainingKey(opts: NodeCommandOptions, datadir: string, prefix: string): Promise<{ keyPair: KeyPair; backend: BackendChoice }> {
  // tfjs loads only here, for a training node.
  const { parseBackendChoice } = await import('../../trainer/engine/backends.ts');
  const backend = parseBackendChoice(opts.backend);
  const store = new WalletStore({ datadir, prefix });
  if (!(await store.exists(opts.wallet))) {
    throw new ConfigError(
      'missing-wallet',
      `--train needs a wallet to sign and be paid: create one with \`gradientcoin wallet create --datadir ${datadir} --wallet ${opts.wallet}\``,
    );
  }
  const { password } = await readPassword({ ...(opts.passwordFile !== undefined ? { passwordFile: opts.passwordFile } : {}), purpose: `wallet "${opts.wallet}"` });
  const wallet = await store.load(opts.wallet, password);
  return { keyPair: wallet.keyPair, backend };
}

function miningOptions(opts: NodeCommandOptions, prefix: string): MiningOptions | null {
  if (!opts.mine) return null;
  if (opts.minerAddress === undefined) {
    throw new ConfigError('missing-miner-address', '--mine needs --miner-address <address> (e.g. from `gradientcoin wallet address`)');
  }
  return { minerAddress: decodeAddress(prefix, opts.minerAddress.trim()), threads: opts.threads };
}

/** A config parser as a commander option parser: its reason becomes commander's message. */
function checked<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      if (err instanceof ConfigError) throw new InvalidArgumentError(err.reason);
      throw err;
    }
  };
}
