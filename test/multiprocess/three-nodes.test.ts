/**
 * Three nodes as three OS processes on loopback, in a line: the miner ← a relay ← a third node
 * that knows only the relay. Driven through their JSON-RPC: all three follow the miner's chain to
 * the same tip; a transfer sent to the third node travels two hops to the miner, is mined, and the
 * relay sees the new balances; `stop` ends each process with status 0. Whatever happens, the
 * processes are killed and the datadirs removed at the end.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressFromPublicKey } from '../../chain/address.ts';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { encodeTransfer, signTransfer, transferId } from '../../chain/tx.ts';
import { addressHash } from '../../consensus/address.ts';
import { toHex } from '../../consensus/hash.ts';
import { targetToBits } from '../../consensus/pow/compact.ts';
import { FUNDED, FUNDED_AMOUNT, NodeProcess, waitUntil, writeTestGenesis, type TestNetworkGenesis } from '../util/node-process.ts';
import { describeError } from '../../trainer/coded-error.ts';

let root: string;
let net: TestNetworkGenesis;
const nodes: NodeProcess[] = [];
let miner: NodeProcess;
let relay: NodeProcess;
let third: NodeProcess;

/** Adds the nodes' recent output to a failure, so a timeout says what the processes were doing. */
async function explained<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const logs = nodes.map((n) => `--- ${n.name} ---\n${n.output(1_500)}`).join('\n');
    throw new Error(`${describeError(err)}\n${logs}`, { cause: err });
  }
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gc-multiprocess-'));
  // About 65,000 hashes a block: a few blocks a second from one mining thread.
  net = await writeTestGenesis(root, { bits: targetToBits(1n << 240n), blockTimeSeconds: 2, ageSeconds: 60 });
  const minerAddress = addressFromPublicKey(net.prefix, keyPairFromSecret(new Uint8Array(32).fill(7)).publicKey);
  miner = await NodeProcess.start({ name: 'miner', datadir: join(root, 'miner'), genesis: net.path, mine: { address: minerAddress, threads: 1 } });
  nodes.push(miner);
  relay = await NodeProcess.start({ name: 'relay', datadir: join(root, 'relay'), genesis: net.path, bootnodes: [await miner.address()] });
  nodes.push(relay);
  third = await NodeProcess.start({ name: 'third', datadir: join(root, 'third'), genesis: net.path, bootnodes: [await relay.address()] });
  nodes.push(third);
});

after(async () => {
  for (const node of nodes) node.kill();
  await Promise.all(nodes.map((n) => n.exited));
  await rm(root, { recursive: true, force: true });
});

test('the three processes are connected in a line', { timeout: 30_000 }, async () => {
  await explained(() =>
    waitUntil(
      async () => {
        const counts = await Promise.all(nodes.map((n) => n.call<{ connections: number }>('getnetworkinfo')));
        return counts[0]!.connections >= 1 && counts[1]!.connections >= 2 && counts[2]!.connections >= 1;
      },
      'the connections',
      20_000,
    ),
  );
  const relayPeers = await relay.call<Array<{ id: string; ready: boolean }>>('getpeerinfo');
  const ids = await Promise.all([miner, third].map(async (n) => (await n.call<{ peerid: string }>('getnetworkinfo')).peerid));
  assert.deepEqual(relayPeers.map((p) => p.id).sort(), ids.sort());
});

test('all three reach the same tip of the miner’s chain', { timeout: 60_000 }, async () => {
  await explained(() =>
    waitUntil(
      async () => {
        const tips = await Promise.all(nodes.map((n) => n.call<{ blocks: number; bestblockhash: string }>('getblockchaininfo')));
        return tips[0]!.blocks >= 5 && tips.every((t) => t.bestblockhash === tips[0]!.bestblockhash);
      },
      'the same tip at height 5 or more on all three',
      45_000,
    ),
  );
  const info = await miner.call<{ mining: boolean; blocksfound: number }>('getmininginfo');
  assert.equal(info.mining, true);
  assert.ok(info.blocksfound >= 5);
});

test('a transfer sent to the third node is mined by the miner and seen by the relay', { timeout: 60_000 }, async () => {
  const recipient = keyPairFromSecret(new Uint8Array(32).fill(3));
  const to = addressFromPublicKey(net.prefix, recipient.publicKey);
  const from = addressFromPublicKey(net.prefix, FUNDED.publicKey);
  const amount = 250_000_000n;
  const fee = 10_000n;
  const account = await third.call<{ balance: string; nonce: string }>('getaccount', { address: from });
  assert.equal(account.balance, FUNDED_AMOUNT.toString());
  const tx = signTransfer(
    { chainId: net.genesis.hash, senderPublicKey: FUNDED.publicKey, recipient: addressHash(recipient.publicKey), amount, fee, nonce: 0n },
    FUNDED.secretKey,
  );
  const txid = await third.call<string>('sendrawtransaction', [toHex(encodeTransfer(tx))]);
  assert.equal(txid, toHex(transferId(tx)));
  await explained(() =>
    waitUntil(async () => (await relay.call<{ balance: string }>('getaccount', { address: to })).balance === amount.toString(), 'the payment at the relay', 45_000),
  );
  const sender = await relay.call<Record<string, string>>('getaccount', { address: from });
  const { address, balance, nonce, pendingNonce } = sender;
  assert.deepEqual({ address, balance, nonce, pendingNonce }, { address: from, balance: (FUNDED_AMOUNT - amount - fee).toString(), nonce: '1', pendingNonce: '1' });
  // The third node learns of the block through the relay, a moment later.
  await explained(() =>
    waitUntil(
      async () => {
        const h = await third.call<Array<{ txid: string; height: number | null; amount: string; from: string }>>('getaddresshistory', { address: to, limit: 5 });
        return h.length === 1 && h[0]!.txid === txid && h[0]!.height !== null && h[0]!.amount === amount.toString() && h[0]!.from === from;
      },
      'the confirmed transfer in the third node’s history',
      20_000,
    ),
  );
});

test('`stop` by RPC ends every process with status 0', { timeout: 60_000 }, async () => {
  for (const node of nodes) assert.equal(await node.call('stop'), 'GradientCoin node stopping');
  let timer: NodeJS.Timeout | undefined;
  const exits = await explained(() =>
    Promise.race([
      Promise.all(nodes.map((n) => n.exited)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the nodes did not exit within 30 s')), 30_000);
      }),
    ]),
  ).finally(() => clearTimeout(timer));
  assert.deepEqual(
    exits.map((e) => [e.code, e.signal]),
    [
      [0, null],
      [0, null],
      [0, null],
    ],
  );
});
