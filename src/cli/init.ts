/**
 * `gradientcoin init`: a data folder for a network, from its genesis file. The genesis is copied
 * in (so `gradientcoin node --datadir …` needs no --genesis afterwards) and the chain database is
 * created with the genesis block. Running it again on the same network changes nothing.
 */
import type { Command } from 'commander';
import { DEFAULT_GENESIS_PATH, loadGenesis } from '../../chain/genesis.ts';
import { toHex } from '../../consensus/hash.ts';
import { DEFAULT_DATADIR, ensureDatadir, installGenesis } from '../node/datadir.ts';

interface InitOptions {
  readonly datadir: string;
  readonly genesis: string;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('create a data folder for a network from its genesis file')
    .option('--datadir <path>', 'the data folder to create', DEFAULT_DATADIR)
    .option('--genesis <path>', "the network's genesis file", DEFAULT_GENESIS_PATH)
    .action(async (opts: InitOptions) => {
      const layout = await ensureDatadir(opts.datadir);
      const installed = await installGenesis(layout, opts.genesis);
      const genesis = await loadGenesis(layout.genesis);
      // Loaded here, not at start, so that other commands do not pay for LevelDB.
      const { Chain } = await import('../../chain/chain.ts');
      const chain = await Chain.open({ location: layout.chain, genesis });
      const height = chain.height();
      await chain.close();
      const what = installed === 'copied' ? 'initialised' : 'already initialised';
      process.stdout.write(`${what} ${layout.root} for network ${genesis.params.network} (genesis ${toHex(genesis.hash)}, height ${height})\n`);
    });
}
