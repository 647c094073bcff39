/**
 * `gradientcoin node --train` as a real process: a contributor node (its own wallet, no mining)
 * beside a mining node. It trains on its assigned pages for every tip, gossips the contribution,
 * the miner's blocks carry it, and the chain pays the contributor's wallet: seen through the RPC
 * of both nodes, and in the contributor's own progress lines.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey } from '../../chain/address.ts';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { targetToBits } from '../../consensus/pow/compact.ts';
import { BIN, NodeProcess, waitUntil, writeTestGenesis, type TestNetworkGenesis } from '../util/node-process.ts';
import { describeError } from '../../trainer/coded-error.ts';

const run = promisify(execFile);
const PASSWORD_ENV = { GC_WALLET_PASSWORD: 'train-test-password' };

let root: string;
let net: TestNetworkGenesis;
let miner: NodeProcess;
let trainer: NodeProcess;
let trainerAddress: string;
const nodes: NodeProcess[] = [];

interface ContributorView {
  readonly address: string;
  readonly contributions: number;
  readonly rewards: string;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gc-train-'));
  // Blocks of 10 s with a 5 s collection window: time for a contribution to be trained (about
  // 1.5 s here) and gossiped before the miner builds on the tip.
  net = await writeTestGenesis(root, { bits: targetToBits(1n << 240n), blockTimeSeconds: 10, ageSeconds: 60 });
  const trainerDir = join(root, 'trainer');
  await run(process.execPath, [BIN, 'wallet', 'create', '--datadir', trainerDir, '--genesis', net.path, '--light-kdf'], { env: { ...process.env, ...PASSWORD_ENV } });
  const { stdout } = await run(process.execPath, [BIN, 'wallet', 'address', '--datadir', trainerDir, '--genesis', net.path]);
  trainerAddress = stdout.trim().split('\n').at(-1)!;
  const minerAddress = addressFromPublicKey(net.prefix, keyPairFromSecret(new Uint8Array(32).fill(9)).publicKey);
  miner = await NodeProcess.start({ name: 'miner', datadir: join(root, 'miner'), genesis: net.path, mine: { address: minerAddress, threads: 1 } });
  nodes.push(miner);
  trainer = await NodeProcess.start({
    name: 'trainer',
    datadir: trainerDir,
    genesis: net.path,
    bootnodes: [await miner.address()],
    extraArgs: ['--train'],
    env: PASSWORD_ENV,
  });
  nodes.push(trainer);
});

after(async () => {
  for (const node of nodes) node.kill();
  await Promise.all(nodes.map((n) => n.exited));
  await rm(root, { recursive: true, force: true });
});

test('a --train node contributes for every tip and the chain pays its wallet', { timeout: 200_000 }, async () => {
  try {
    await waitUntil(
      async () => {
        const contributors = await miner.call<ContributorView[]>('getcontributors');
        const me = contributors.find((c) => c.address === trainerAddress);
        if (me === undefined || me.contributions < 2 || BigInt(me.rewards) === 0n) return false;
        // Rewards enter the balance rewards.maturity blocks after the block that paid them.
        const account = await trainer.call<{ balance: string }>('getaccount', { address: trainerAddress });
        return BigInt(account.balance) > 0n;
      },
      "two of the trainer's contributions paid in the miner's chain, and matured",
      150_000,
    );
  } catch (err) {
    throw new Error(`${describeError(err)}\n--- trainer ---\n${trainer.output(8_000)}\n--- miner ---\n${miner.output(1_500)}`, { cause: err });
  }
  const account = await trainer.call<{ balance: string }>('getaccount', { address: trainerAddress });
  assert.ok(BigInt(account.balance) > 0n, 'the trainer node sees its own balance');
  assert.match(trainer.output(200_000), /contributed a pseudo-gradient/);
  assert.match(trainer.output(200_000), /"trainTokensPerSecond":[1-9]/, 'the progress line shows the training speed');
  assert.match(trainer.output(200_000), /"trainTokensPerCpuSecond":[1-9]/, "and the engine's speed per CPU second");
  assert.match(trainer.output(200_000), /"earnedGC":"[1-9]/);
});
