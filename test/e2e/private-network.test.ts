/**
 * The README's "A private network across several machines", step by step as written, on loopback
 * with two data folders instead of two machines: a new genesis with a swarm key, `init` and the key
 * in each data folder, a wallet and a mining node on the first, a second node started with the
 * first as its bootnode and `--train`, then `wallet send` from the miner's wallet with no
 * `--genesis` (the wallet learns the network from its node). Both balances must come out exact,
 * and the training node must be paid. Differences from the README, for a test: ports the system
 * picks, loopback only, mDNS off, 10 s blocks (a 5 s collection window), and `--from` a template
 * with a lighter training recipe (2 inner steps at a higher rate instead of 20): on a busy machine
 * a default contribution takes 10 to 30 s, longer than a block, and would never be paid.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey } from '../../chain/address.ts';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { NodeProcess, waitUntil } from '../util/node-process.ts';
import { DEFAULT_GENESIS_PATH } from '../../chain/genesis.ts';
import { gradientcoin } from './cli.ts';

const PASSWORD = { GC_WALLET_PASSWORD: 'private network password' };
const COIN = 100_000_000n;
/** 20 % of the 50 GC subsidy. */
const MINER_SHARE = 10n * COIN;
const MATURITY = 3;
const FEE = 10_000n;

let dir: string;
const nodes: NodeProcess[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gc-private-net-'));
});

after(async () => {
  for (const node of nodes) node.kill();
  await Promise.all(nodes.map((n) => n.exited));
  await rm(dir, { recursive: true, force: true });
});

/** Runs `gradientcoin …` in the test folder, as a person in that folder would; stdout, trimmed. */
async function gc(args: readonly string[]): Promise<string> {
  const run = await gradientcoin(args, { cwd: dir, env: PASSWORD, timeoutMs: 90_000 });
  assert.equal(run.code, 0, `gradientcoin ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

function units(line: string): bigint {
  const match = /^(\d+)\.(\d{8}) GC/.exec(line);
  assert.ok(match, `a balance line: ${line}`);
  return BigInt(match[1]!) * COIN + BigInt(match[2]!);
}

interface ContributorView {
  readonly address: string;
  readonly rewards: string;
}

test("the README's private network: genesis with a swarm key, a miner, a --train node by bootnode, a payment", { timeout: 420_000 }, async () => {
  // 1. The genesis and the swarm key, written where the command runs.
  const someone = addressFromPublicKey('gct', keyPairFromSecret(new Uint8Array(32).fill(7)).publicKey);
  const template = JSON.parse(await readFile(DEFAULT_GENESIS_PATH, 'utf8')) as Record<string, Record<string, unknown>>;
  template['training'] = { ...template['training'], innerSteps: 2, learningRate: 0.003 };
  await writeFile(join(dir, 'template.json'), JSON.stringify(template));
  const chainId = (await gc(['genesis', '--from', 'template.json', '--out', 'net.json', '--network', 'my-net', '--block-time', '10', '--alloc', `${someone}=12.5`, '--swarm-key', 'swarm.key']))
    .split('\n')
    .at(-1)!;
  assert.match(chainId, /^[0-9a-f]{64}$/);
  assert.equal((await stat(join(dir, 'swarm.key'))).mode & 0o777, 0o600);

  // 2. Each machine's data folder, from the genesis, with the key in it.
  const first = join(dir, 'first');
  const second = join(dir, 'second');
  for (const datadir of [first, second]) {
    assert.match(await gc(['init', '--datadir', datadir, '--genesis', 'net.json']), new RegExp(`network my-net \\(genesis ${chainId}, height 0\\)`));
    await copyFile(join(dir, 'swarm.key'), join(datadir, 'swarm.key'));
  }

  // 3. A wallet in the first node's folder, and the node mining to it.
  await gc(['wallet', 'create', '--datadir', first]);
  const minerAddress = await gc(['wallet', 'address', '--datadir', first]);
  const miner = await NodeProcess.start({ name: 'miner', datadir: first, mine: { address: minerAddress, threads: 1 } });
  nodes.push(miner);
  assert.equal((await miner.call<{ genesis: string }>('getblockchaininfo')).genesis, chainId, 'the node follows net.json from its folder');

  // 4. The second node, by bootnode, training with its own wallet.
  await gc(['wallet', 'create', '--datadir', second]);
  const trainerAddress = await gc(['wallet', 'address', '--datadir', second]);
  const trainer = await NodeProcess.start({ name: 'trainer', datadir: second, bootnodes: [await miner.address()], extraArgs: ['--train'], env: PASSWORD });
  nodes.push(trainer);

  const explain = (err: unknown): Error =>
    new Error(`${err instanceof Error ? err.message : String(err)}\n--- miner ---\n${miner.output(2_000)}\n--- trainer ---\n${trainer.output(3_000)}`, { cause: err });
  const rpcMiner = ['--datadir', first, '--rpc-port', String(miner.rpc.port)];
  const rpcTrainer = ['--datadir', second, '--rpc-port', String(trainer.rpc.port)];

  // 5. Once the miner's rewards matured, it pays the trainer's wallet: no --genesis anywhere.
  try {
    await waitUntil(async () => units(await gc(['wallet', 'balance', ...rpcMiner])) >= 3n * COIN, 'a spendable miner balance', 240_000);
  } catch (err) {
    throw explain(err);
  }
  const txid = await gc(['wallet', 'send', trainerAddress, '2.5', ...rpcMiner]);
  assert.match(txid, /^[0-9a-f]{64}$/);

  // The trainer is paid by the miner and, for its contributions, by the chain.
  let paidBy: number | undefined;
  try {
    await waitUntil(
      patiently(async () => {
        const history = await gc(['wallet', 'history', ...rpcTrainer]);
        const row = new RegExp(`^\\s*(\\d+) .*\\+2\\.50000000 .* ${minerAddress} +${txid}$`, 'm').exec(history);
        paidBy = row ? Number(row[1]) : undefined;
        const contributors = await miner.call<ContributorView[]>('getcontributors');
        const rewards = BigInt(contributors.find((c) => c.address === trainerAddress)?.rewards ?? '0');
        const height = await trainer.call<number>('getblockcount');
        // Its first reward and the payment, both matured.
        return paidBy !== undefined && rewards > 0n && units(await gc(['wallet', 'balance', ...rpcTrainer])) > 25n * (COIN / 10n) && height >= paidBy;
      }),
      'the payment and a contribution reward, matured, in the trainer\'s wallet',
      240_000,
    );
  } catch (err) {
    throw explain(err);
  }

  // Both balances exact, each read with its node's height and the chain's record of rewards.
  const miners = await readStable(miner, async () => units(await gc(['wallet', 'balance', ...rpcMiner])));
  const feeBack = paidBy! <= miners.height - MATURITY ? FEE : 0n;
  assert.equal(miners.value, BigInt(miners.height - MATURITY) * MINER_SHARE - 250_000_000n - FEE + feeBack, 'miner: its matured blocks, less the payment and its fee');

  const trainers = await readStable(trainer, async () => {
    const balance = units(await gc(['wallet', 'balance', ...rpcTrainer]));
    const account = await trainer.call<{ immature: string }>('getaccount', { address: trainerAddress });
    const earned = BigInt((await trainer.call<ContributorView[]>('getcontributors')).find((c) => c.address === trainerAddress)?.rewards ?? '0');
    return { balance, matured: earned - BigInt(account.immature) };
  });
  assert.ok(trainers.value.matured > 0n, 'the --train node was paid');
  assert.equal(trainers.value.balance, 250_000_000n + trainers.value.matured, 'trainer: the payment plus its matured rewards');
});

/**
 * A value read between two equal heights of `node`, so that no block came in between. A node
 * that is training does not answer for a while: a read that fails is tried again.
 */
async function readStable<T>(node: NodeProcess, read: () => Promise<T>): Promise<{ height: number; value: T }> {
  let last: unknown;
  for (let i = 0; i < 30; i++) {
    try {
      const h0 = await node.call<number>('getblockcount');
      const value = await read();
      if ((await node.call<number>('getblockcount')) === h0) return { height: h0, value };
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`the chain never held still for a read (${last instanceof Error ? last.message : 'blocks kept coming'})`);
}

/** A condition that counts a failed call (a node busy training does not answer for seconds) as "not yet". */
function patiently(condition: () => Promise<boolean>): () => Promise<boolean> {
  return async () => {
    try {
      return await condition();
    } catch {
      return false;
    }
  };
}
