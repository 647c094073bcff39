/**
 * The testnet's names and defaults, apart from the modules that do the work, so that the command
 * line can show them without loading the engine.
 */

/** Each miner's wallet is in its node's datadir, each contributor's in its own folder. */
export const MINER_WALLET_NAME = 'miner';
export const CONTRIBUTOR_WALLET_NAME = 'contributor';

/** Where `gradientcoin testnet` keeps everything, relative to the working directory. */
export const DEFAULT_TESTNET_DATADIR = 'data/testnet';
/** Far from the default node's 18444/18445, so a testnet runs beside a user's own node. */
export const DEFAULT_BASE_PORT = 19444;
export const MAX_NODES = 16;
export const MAX_CONTRIBUTORS = 32;
