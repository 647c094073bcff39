/**
 * The crash harness's child process: `child.ts <datadir> <script> <corpus folder>`. Reports what
 * it finds on disk (before the chain repairs anything), opens the chain, then delivers every block
 * of the script in order, one JSON line per step on stdout. The parent kills it with SIGKILL at any
 * moment.
 */
import type { Account } from '../../consensus/types.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import { toHex } from '../../consensus/hash.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { Chain } from '../../chain/chain.ts';
import { ChainDB } from '../../chain/db/chaindb.ts';
import { verifyChainDB } from '../../chain/db/verify.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { readScript } from '../util/script-file.ts';
import { TEST_NOW } from '../util/clock.ts';
import { crashNetwork } from './network.ts';

/** A rating as JSON: [address, mu, sigma, binaryMA (as float64 bit patterns in hex), contributions, rewards]. */
export type RatingRow = [string, string, string, string, number, string];

export type ChildMessage =
  | {
      readonly type: 'state';
      readonly tip: string;
      readonly accounts: [string, string, string][];
      readonly ratings: RatingRow[];
      readonly modelHash: string;
      readonly violations: string[];
    }
  | { readonly type: 'ready'; readonly tip: string }
  | { readonly type: 'step'; readonly index: number; readonly status: string }
  | { readonly type: 'done'; readonly tip: string };

const [location, scriptPath, corpusFolder] = process.argv.slice(2);
if (!location || !scriptPath || !corpusFolder) throw new Error('usage: child.ts <datadir> <script> <corpus folder>');

const say = (message: ChildMessage): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

const script = readScript(scriptPath);
const { genesis, dataset } = await crashNetwork(corpusFolder);

// What a crash left: checked raw, before Chain.open finishes any interrupted reorganisation.
const db = await ChainDB.open(location);
if (!db.fresh) {
  const violations = (await verifyChainDB(db)).map((v) => `${v.invariant}: ${v.detail}`);
  const accounts: [string, string, string][] = [];
  for await (const [key, account] of db.accounts()) accounts.push(row(key, account));
  const ratings: RatingRow[] = [];
  for await (const [key, rating] of db.ratings()) ratings.push(ratingRow(key, rating));
  const model = await db.getModel(genesis.model.length);
  const stored = model ? toHex(modelHash(model)) : '(none)';
  say({ type: 'state', tip: toHex((await db.getTipHash())!), accounts, ratings, modelHash: stored, violations });
}
await db.close();

const chain = await Chain.open({ location, genesis, dataset, clock: () => TEST_NOW });
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

function bitsOf(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

function ratingRow(key: string, r: Rating): RatingRow {
  return [key, bitsOf(r.mu), bitsOf(r.sigma), bitsOf(r.binaryMA), r.contributions, r.rewards.toString()];
}
