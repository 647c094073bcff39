/**
 * End to end through the real CLI, every step a child process: two wallets are created, a small
 * testnet is started whose miner pays the first wallet, the first wallet pays the second with
 * `wallet send` once its rewards matured, and `wallet balance` shows both amounts exactly, the
 * spendable and the immature apart. Then Ctrl-C (SIGINT) stops the
 * testnet cleanly. On the way, `generate` samples text from the chain's model.
 *
 * The testnet is 2 nodes, 1 miner, no contributors, 2 s blocks (a derived genesis, ten times
 * easier to mine than the default): blocks every second or two on two shared cores.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpcCall } from '../../src/rpc/client.ts';
import { fetchModel } from '../../src/cli/generate.ts';
import { sampleText } from '../../trainer/sample.ts';
import { gradientcoin } from './cli.ts';
import { blockCount, readManifest, startTestnet, waitFor, type RunningTestnet } from '../util/testnet-harness.ts';

const PASSWORD = { GC_WALLET_PASSWORD: 'e2e password' };
/** What the miner earns per block on this genesis: 20 % of the 50 GC subsidy. */
const MINER_REWARD_UNITS = 1_000_000_000n;
const COIN = 100_000_000n;
/** The repository genesis' rewards.maturity, which the testnet's derived genesis keeps. */
const MATURITY = 3;
const FEE_UNITS = 10_000n;

let dir: string;
let walletDir: string;
let testnet: RunningTestnet | null = null;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gc-e2e-'));
  walletDir = join(dir, 'wallets-home');
});

after(async () => {
  await testnet?.stop(5_000);
  await rm(dir, { recursive: true, force: true });
});

async function wallet(args: readonly string[]): Promise<string> {
  const run = await gradientcoin(['wallet', ...args], { env: PASSWORD, timeoutMs: 60_000 });
  assert.equal(run.code, 0, `wallet ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/** Units from `wallet balance`'s "12.50000000 GC (nonce 0)". */
function units(line: string): bigint {
  const match = /^(\d+)\.(\d{8}) GC/.exec(line);
  assert.ok(match, `a balance line: ${line}`);
  return BigInt(match[1]!) * COIN + BigInt(match[2]!);
}

test('mine to a wallet, pay another with `wallet send`, see both balances with `wallet balance`, sample with `generate`', { timeout: 240_000 }, async () => {
  const alice = await wallet(['create', '--datadir', walletDir, '--wallet', 'alice', '--light-kdf']);
  const bob = await wallet(['create', '--datadir', walletDir, '--wallet', 'bob', '--light-kdf']);
  assert.match(alice, /^gct1q[a-z0-9]+$/);

  const datadir = join(dir, 'testnet');
  testnet = startTestnet(datadir, ['--nodes', '2', '--miners', '1', '--contributors', '0', '--block-time', '2', '--miner-address', alice, '--fresh']);
  const t = testnet;
  const manifest = await waitFor('the testnet manifest', 60_000, () => readManifest(datadir).catch(() => undefined));
  const nodes = manifest['nodes'] as { minerAddress: string | null; rpcPort: number }[];
  assert.equal(nodes[0]!.minerAddress, alice);
  assert.equal(nodes[1]!.minerAddress, null);
  assert.equal((await stat(join(datadir, 'wallet-password'))).mode & 0o777, 0o600, 'the testnet password file is private');

  // Both nodes follow the miner's chain; the rewards of the first blocks mature.
  const ready = 3 + MATURITY;
  await waitFor(`block ${ready} on both nodes`, 120_000, async () => ((await blockCount(t, 0)) >= ready && (await blockCount(t, 1)) >= ready ? true : undefined));

  // No --genesis: the wallet learns the network (chain id, address prefix) from the node.
  const rpc0 = ['--rpc-port', String(t.basePort + 1), ...(await t.cookieArgs(0))];
  const rpc1 = ['--rpc-port', String(t.basePort + 3), ...(await t.cookieArgs(1))];
  const shown = await wallet(['balance', '--datadir', walletDir, '--wallet', 'alice', ...rpc0]);
  const before = units(shown);
  assert.ok(before >= 3n * MINER_REWARD_UNITS, `alice has mined ${before} units`);
  assert.match(shown.split('\n')[1] ?? '', /^\d+\.\d{8} GC immature \(mining and contribution rewards, spendable (at|from) height \d+/, 'the last blocks\' rewards apart');

  // Sent through node 1, which does not mine: the transfer must travel to the miner to be mined.
  const txid = await wallet(['send', '--datadir', walletDir, '--wallet', 'alice', bob, '1.5', ...rpc1]);
  assert.match(txid, /^[0-9a-f]{64}$/);

  const bobUnits = await waitFor('bob to be paid', 60_000, async () => {
    const line = await wallet(['balance', '--datadir', walletDir, '--wallet', 'bob', ...rpc1]);
    return units(line) > 0n ? line : undefined;
  });
  assert.equal(bobUnits, '1.50000000 GC (nonce 0)');

  // Alice mined every block and paid 1.5 GC; her fee comes back to her as the miner of its block,
  // once that block's rewards matured. The balance and the height are read together, again if a
  // block came in between.
  const { height, line } = await waitFor('a balance read without a block in between', 30_000, async () => {
    const h0 = await rpcCall<number>(t.rpc(0), 'getblockcount');
    const text = await wallet(['balance', '--datadir', walletDir, '--wallet', 'alice', ...rpc0]);
    const h1 = await rpcCall<number>(t.rpc(0), 'getblockcount');
    return h0 === h1 ? { height: h0, line: text.split('\n')[0]! } : undefined;
  }, 0);
  const history = await wallet(['history', '--datadir', walletDir, '--wallet', 'bob', ...rpc1]);
  const mined = new RegExp(`^\\s*(\\d+) .*\\+1\\.50000000 .* ${alice} +${txid}`, 'm').exec(history);
  assert.ok(mined, history);
  const feeBack = Number(mined[1]) <= height - MATURITY ? FEE_UNITS : 0n;
  assert.equal(units(line), BigInt(height - MATURITY) * MINER_REWARD_UNITS - 150_000_000n - FEE_UNITS + feeBack);
  assert.match(line, /\(nonce 1\)$/);

  // `generate` samples the tip's model here, from the parameters the node sends: the same seed
  // gives the same text, and the text is what the reference sampler makes of that model.
  const sample = async (extra: readonly string[]): Promise<Buffer> => {
    const run = await gradientcoin(['generate', '--prompt', 'The ', '--length', '24', '--seed', 'e2e', '--top-k', '40', ...extra, '--rpc-port', String(t.basePort + 3), ...(await t.cookieArgs(1))]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^model at height \d+ \([0-9a-f]{16}…, 120576 parameters\); seed "e2e", temperature 0\.8, top-k 40\n$/);
    return run.stdoutBytes;
  };
  const text = await sample(['--height', '0']);
  assert.equal(text.length, 4 + 24 + 1, 'the prompt, 24 bytes, a newline');
  assert.equal(text.subarray(0, 4).toString(), 'The ');
  assert.deepEqual(await sample(['--height', '0']), text, 'same model, prompt and seed: same text');
  const model = await fetchModel(t.rpc(1), 0);
  const expected = sampleText(model.layout, model.params, new TextEncoder().encode('The '), { length: 24, temperature: 0.8, seed: new TextEncoder().encode('e2e'), topK: 40 });
  assert.deepEqual(text.subarray(4, 28), Buffer.from(expected));
  await sample([]);

  const stopped = await t.stop();
  assert.equal(stopped.code, 0, t.output());
  assert.match(t.output(), /node-0 +exit code 0/);
  assert.match(t.output(), /node-1 +exit code 0/);
  assert.match(t.output(), new RegExp(`the testnet's data is in ${datadir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.match(t.output(), /\[testnet \d+s\] {2}height \d+/, 'status lines off a terminal');

  // With the testnet stopped, the same model from node 1's data folder gives the same text.
  const offline = await gradientcoin(['generate', '--offline', '--datadir', join(datadir, 'node-1'), '--height', '0', '--prompt', 'The ', '--length', '24', '--seed', 'e2e', '--top-k', '40']);
  assert.equal(offline.code, 0, offline.stderr);
  assert.deepEqual(offline.stdoutBytes, text);
  testnet = null;
});
