/**
 * The contributor process the testnet starts (see config.ts contributorArgs): unlocks its wallet,
 * loads the network's dataset, and runs an RpcContributor against one node until SIGINT/SIGTERM.
 * Progress goes to stdout as JSON lines (the testnet's view reads them); a readable copy of each
 * goes to stderr, which the testnet writes to the contributor's log.
 */
import { Command } from 'commander';
import { loadGenesis } from '../../chain/genesis.ts';
import { fromHex } from '../../consensus/hash.ts';
import { loadNetworkDataset } from '../gauntlet/dataset.ts';
import { readPasswordFile } from '../wallet/password.ts';
import { WalletStore } from '../wallet/wallet-store.ts';
import { isContributorKind } from './config.ts';
import { RpcContributor, type ContributorEvent } from './contributor.ts';
import { CONTRIBUTOR_WALLET_NAME } from './names.ts';
import { describeError } from '../../trainer/coded-error.ts';

interface MainOptions {
  readonly name: string;
  readonly kind: string;
  readonly genesis: string;
  readonly walletDir: string;
  readonly passwordFile: string;
  readonly rpcPort: string;
  readonly nodeDatadir: string;
  readonly pagesOf?: string;
}

const program = new Command()
  .name('contributor')
  .requiredOption('--name <name>')
  .requiredOption('--kind <kind>')
  .requiredOption('--genesis <path>')
  .requiredOption('--wallet-dir <path>')
  .requiredOption('--password-file <path>')
  .requiredOption('--rpc-port <port>')
  .requiredOption('--node-datadir <path>')
  .option('--pages-of <public key hex>')
  .parse(process.argv);
const opts = program.opts<MainOptions>();

function emit(event: ContributorEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
  process.stderr.write(`${new Date().toISOString()} ${opts.name} ${event.event} ${JSON.stringify({ ...event, event: undefined })}\n`);
}

try {
  if (!isContributorKind(opts.kind)) throw new Error(`unknown contributor kind "${opts.kind}"`);
  const kind = opts.kind;
  const { params } = await loadGenesis(opts.genesis);
  const store = new WalletStore({ datadir: opts.walletDir, prefix: params.addressPrefix });
  const wallet = await store.load(CONTRIBUTOR_WALLET_NAME, await readPasswordFile(opts.passwordFile));
  const dataset = await loadNetworkDataset(params);
  const contributor = new RpcContributor({
    kind,
    params,
    dataset,
    keyPair: wallet.keyPair,
    rpc: { port: Number(opts.rpcPort), datadir: opts.nodeDatadir, timeoutMs: 60_000 },
    ...(opts.pagesOf !== undefined ? { pagesOf: fromHex(opts.pagesOf, 32) } : {}),
    emit,
  });
  const stop = (): void => {
    contributor.stop();
    // Nothing is kept between rounds that a restart would miss; leave at once.
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  emit({ event: 'ready', address: wallet.address, kind });
  await contributor.run();
} catch (err) {
  emit({ event: 'error', reason: describeError(err) });
  process.exit(1);
}
