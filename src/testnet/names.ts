/** Names of the testnet's wallets: each miner's in its node's datadir, each contributor's in its own. */
export const MINER_WALLET_NAME = 'miner';
export const CONTRIBUTOR_WALLET_NAME = 'contributor';
