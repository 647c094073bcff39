/**
 * `gradientcoin testnet` (`npm start`): a private network of several nodes, miners and
 * contributors on this machine, started from the repository's genesis, shown live until Ctrl-C.
 */
import { Command } from 'commander';
import { DEFAULT_BASE_PORT, DEFAULT_TESTNET_DATADIR, MAX_CONTRIBUTORS, MAX_NODES } from '../testnet/names.ts';
import { collect, integer } from './options.ts';

interface TestnetCommandOptions {
  readonly datadir: string;
  readonly nodes: number;
  readonly miners?: number;
  readonly contributors: number;
  readonly adversaries?: boolean;
  readonly blockTime?: number;
  readonly basePort: number;
  readonly threads: number;
  readonly minerAddress: string[];
  readonly fresh?: boolean;
  readonly logLevel: string;
}

export function register(program: Command): void {
  program
    .command('testnet')
    .description('start a private testnet on this machine (nodes, miners, contributors) and watch it train the model; Ctrl-C stops it')
    .option('--datadir <path>', 'folder of the testnet: every node, wallet and log', DEFAULT_TESTNET_DATADIR)
    .option('--nodes <n>', `node processes (1 to ${MAX_NODES})`, integer(1, MAX_NODES), 3)
    .option('--miners <n>', 'how many of the nodes mine (default 2, or 1 with a single node)', integer(0, MAX_NODES))
    .option('--contributors <n>', `honest contributors (0 to ${MAX_CONTRIBUTORS})`, integer(0, MAX_CONTRIBUTORS), 4)
    .option('--adversaries', 'also one contributor of each dishonest kind (noise, copycat, free-rider, scaled, stale, poisoner, wrong-pages)')
    .option('--block-time <seconds>', "target block time; other than the genesis' writes a derived genesis into the datadir", integer(1, 3600))
    .option('--base-port <port>', 'first of the loopback ports: node i listens on base+2i (p2p) and base+2i+1 (rpc)', integer(1024, 65535), DEFAULT_BASE_PORT)
    .option('--threads <n>', 'mining threads per miner', integer(1, 64), 1)
    .option('--miner-address <address>', 'pay a miner to this address instead of a new wallet (repeatable, in miner order)', collect, [])
    .option('--fresh', 'delete the testnet folder first and start a new chain')
    .option('--log-level <level>', "the nodes' log level", 'info')
    .action(async (opts: TestnetCommandOptions) => {
      // The launcher brings the training engine with it: loaded only when the command runs.
      const { runTestnet } = await import('../testnet/launcher.ts');
      const code = await runTestnet(
        {
          datadir: opts.datadir,
          nodes: opts.nodes,
          miners: opts.miners ?? Math.min(2, opts.nodes),
          contributors: opts.contributors,
          adversaries: opts.adversaries ?? false,
          ...(opts.blockTime !== undefined ? { blockTime: opts.blockTime } : {}),
          basePort: opts.basePort,
          threads: opts.threads,
          minerAddresses: opts.minerAddress,
          fresh: opts.fresh ?? false,
          logLevel: opts.logLevel,
        },
        { out: process.stdout },
      );
      process.exit(code);
    });
}

