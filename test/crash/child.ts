/**
 * The crash harness's child process: `child.ts <datadir> <script>`. Reports what it finds on disk
 * (before the chain repairs anything), opens the chain, then delivers every block of the script in
 * order, one JSON line per step on stdout. The parent kills it with SIGKILL at any moment.
 */
import type { Account } from '../../consensus/types.ts';
import { toHex } from '../../consensus/hash.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { Chain } from '../../chain/chain.ts';
import { ChainDB } from '../../chain/db/chaindb.ts';
import { verifyChainDB } from '../../chain/db/verify.ts';
import { testGenesis } from '../util/fixtures.ts';
import { readScript } from './script.ts';
import { TEST_NOW } from './block-tree.ts';

export type ChildMessage =
  | { readonly type: 'state'; readonly tip: string; readonly accounts: [string, string, string][]; readonly violations: string[] }
  | { readonly type: 'ready'; readonly tip: string }
  | { readonly type: 'step'; readonly index: number; readonly status: string }
  | { readonly type: 'done'; readonly tip: string };

const [location, scriptPath] = process.argv.slice(2);
if (!location || !scriptPath) throw new Error('usage: child.ts <datadir> <script>');

const say = (message: ChildMessage): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

const script = readScript(scriptPath);
const genesis = testGenesis();

// What a crash left: checked raw, before Chain.open finishes any interrupted reorganisation.
const db = await ChainDB.open(location);
if (!db.fresh) {
  const violations = (await verifyChainDB(db)).map((v) => `${v.invariant}: ${v.detail}`);
  const accounts: [string, string, string][] = [];
  for await (const [key, account] of db.accounts()) accounts.push(row(key, account));
  say({ type: 'state', tip: toHex((await db.getTipHash())!), accounts, violations });
}
await db.close();

const chain = await Chain.open({ location, genesis, clock: () => TEST_NOW });
say({ type: 'ready', tip: toHex(chain.tip().hash) });
for (const [index, bytes] of script.entries()) {
  let status: string;
  try {
    status = (await chain.addBlock(bytes)).status;
  } catch (err) {
    if (!isVerifyError(err)) throw err;
    status = `invalid ${err.code}`;
  }
  say({ type: 'step', index, status });
}
say({ type: 'done', tip: toHex(chain.tip().hash) });
await chain.close();

function row(key: string, account: Account): [string, string, string] {
  return [key, account.balance.toString(), account.nonce.toString()];
}
