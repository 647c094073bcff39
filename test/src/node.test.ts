/**
 * The full node in this process: its miner finds blocks that carry the mempool's transfers, what
 * arrives by RPC reaches a peer, a datadir or RPC port already in use is refused cleanly, signals
 * stop it; and the pure pieces around it (status line, option parsers, `rpc` parameters).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { stat } from 'node:fs/promises';
import { ChainDBError } from '../../chain/db/errors.ts';
import { encodeAddress } from '../../chain/address.ts';
import { headerHash } from '../../chain/header.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { transferId } from '../../consensus/ids.ts';
import { targetToBits } from '../../consensus/pow/compact.ts';
import { silentLogger } from '../../src/log.ts';
import { ConfigError, defaultAssumeValid, listenAddress, parseAssumeValid, parseBind, parseBootnodes, parsePort, parseThreads, parseVerifyThreads } from '../../src/node/config.ts';
import { FullNode, NodeStartError } from '../../src/node/full-node.ts';
import { stopOnSignals } from '../../src/node/shutdown.ts';
import { formatHashRate, formatStatusLine } from '../../src/node/status-line.ts';
import { cookiePath } from '../../src/rpc/cookie.ts';
import { RpcServerListenError } from '../../src/rpc/server.ts';
import { namedParams, parseParam } from '../../src/cli/rpc.ts';
import { testGenesis, transfer } from '../util/fixtures.ts';
import { blockHex, GENESIS, KEYS, solvedBlock, startTestNode, type TestNode } from '../util/node-harness.ts';
import { testClockMs } from '../util/clock.ts';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('mining: blocks are found on the tip, carry the mempool transfers, and pay the miner', { timeout: 60_000 }, async () => {
  // About 4,096 hashes a block: a few blocks a second on one thread.
  const genesis = testGenesis({ pow: { ...GENESIS.params.pow, genesisBits: targetToBits(1n << 244n) } });
  const miner = KEYS[6]!.address;
  const t = await startTestNode({ genesis, p2p: false, mining: { minerAddress: miner, threads: 1 } });
  try {
    const { node } = t;
    await waitFor(() => node.chain.height() >= 2, 'two mined blocks');
    const tx = transfer(genesis.params, KEYS[0]!, KEYS[5]!.address, 12_345n, 2_000n, 0n);
    node.submitTransfer(tx);
    assert.equal(node.mempool.size, 1);
    await waitFor(() => node.chain.getAccount(KEYS[5]!.address).balance === 12_345n, 'the transfer mined');
    assert.equal(node.mempool.size, 0);
    // The block that carries it is on the main chain and paid the miner its share plus the fee.
    let carrier: Uint8Array | undefined;
    for (let h = node.chain.height(); h > 0 && !carrier; h--) {
      const block = await node.chain.getBlock(node.chain.getHashAtHeight(h)!);
      if (block?.txs.some((x) => bytesEqual(transferId(x), transferId(tx)))) carrier = block.header.minerAddress;
    }
    assert.deepEqual(carrier, miner);
    assert.ok(node.chain.getAccount(miner).balance > 0n);
    const mining = node.mining();
    assert.ok(mining);
    assert.equal(mining.threads, 1);
    assert.equal(mining.minerAddress, encodeAddress(genesis.params.addressPrefix, miner));
    assert.ok(mining.blocksFound >= 2);
    const status = node.status();
    assert.equal(status.height, node.chain.height());
    assert.equal(status.sync, null);
    assert.ok(status.hashRate !== null);
  } finally {
    await t.close();
  }
  assert.equal(await t.node.closed, true);
});

test('blocks and transfers submitted by RPC reach a peer', { timeout: 60_000 }, async () => {
  const a = await startTestNode();
  const b = await startTestNode({ bootnodes: a.node.network!.addresses() });
  try {
    await waitFor(() => a.node.network!.readyPeers().length === 1 && b.node.network!.readyPeers().length === 1, 'the handshake');
    // A gossip message goes only to peers known to subscribe to its topic: wait until each side knows.
    const subscribed = (from: TestNode, topic: 'blocks' | 'txs'): boolean => {
      const net = from.node.network!;
      return net.node.services.pubsub.getSubscribers(net.names.topics[topic]).length === 1;
    };
    await waitFor(() => subscribed(a, 'blocks') && subscribed(a, 'txs') && subscribed(b, 'blocks'), 'the topic subscriptions');
    const block = await solvedBlock(a.node);
    await a.node.submitBlock(Uint8Array.from(Buffer.from(blockHex(block), 'hex')));
    await waitFor(() => bytesEqual(b.node.chain.tip().hash, headerHash(block.header)), 'the block at the peer');
    const tx = transfer(GENESIS.params, KEYS[1]!, KEYS[2]!.address, 7_777n, 2_000n, 0n);
    a.node.submitTransfer(tx);
    await waitFor(() => b.node.mempool.has(transferId(tx)), 'the transfer at the peer');
    assert.equal(b.node.mempool.size, 1);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a datadir in use is refused with the lock error, and the running node is unaffected', { timeout: 30_000 }, async () => {
  const t = await startTestNode({ p2p: false });
  try {
    await assert.rejects(
      FullNode.start({ datadir: t.dir, genesis: GENESIS, p2p: false, rpcPort: 0, statusIntervalMs: 0, log: silentLogger() }),
      (err: unknown) => {
        assert.ok(err instanceof ChainDBError);
        assert.equal(err.code, 'in-use');
        assert.match(err.message, /is in use by another process/);
        return true;
      },
    );
    assert.equal(t.node.chain.height(), 0);
    await stat(cookiePath(t.dir));
  } finally {
    await t.close();
  }
});

test('an RPC port in use is refused, and everything opened is closed again', { timeout: 30_000 }, async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  const t = await startTestNode({ p2p: false });
  const dir = t.dir;
  await t.node.stop();
  try {
    await assert.rejects(FullNode.start({ datadir: dir, genesis: GENESIS, rpcPort: port, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, statusIntervalMs: 0 }), (err: unknown) => {
      assert.ok(err instanceof RpcServerListenError);
      assert.equal(err.code, 'port-in-use');
      assert.match(err.message, new RegExp(`RPC port ${port} on 127\\.0\\.0\\.1 is in use`));
      return true;
    });
    await assert.rejects(stat(cookiePath(dir)), /ENOENT/);
    // The chain was closed: the datadir opens again.
    const again = await FullNode.start({ datadir: dir, genesis: GENESIS, p2p: false, rpcPort: 0, statusIntervalMs: 0 });
    await again.stop();
  } finally {
    await new Promise((r) => blocker.close(r));
    await t.close();
  }
});

test('a P2P port in use is refused with one clear line, and the datadir is released', { timeout: 30_000 }, async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  const t = await startTestNode({ p2p: false });
  await t.node.stop();
  try {
    const listen = [`/ip4/127.0.0.1/tcp/${port}`];
    await assert.rejects(FullNode.start({ datadir: t.dir, genesis: GENESIS, rpcPort: 0, listen, mdns: false, statusIntervalMs: 0 }), (err: unknown) => {
      assert.ok(err instanceof NodeStartError);
      assert.equal(err.code, 'p2p-port-in-use');
      assert.equal(err.reason, `P2P address /ip4/127.0.0.1/tcp/${port} is in use: is another node running? (choose another with --port)`);
      return true;
    });
    await assert.rejects(stat(cookiePath(t.dir)), /ENOENT/);
    const again = await FullNode.start({ datadir: t.dir, genesis: GENESIS, p2p: false, rpcPort: 0, statusIntervalMs: 0 });
    await again.stop();
  } finally {
    await new Promise((r) => blocker.close(r));
    await t.close();
  }
});

test('the first signal stops gracefully and exits 0; a second exits at once', async () => {
  const exits: number[] = [];
  let release: () => void = () => undefined;
  let stops = 0;
  const uninstall = stopOnSignals({
    log: silentLogger(),
    signals: ['SIGHUP'],
    exit: (code) => exits.push(code),
    stop: () => {
      stops++;
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  try {
    process.emit('SIGHUP', 'SIGHUP');
    assert.equal(stops, 1);
    assert.deepEqual(exits, []);
    process.emit('SIGHUP', 'SIGHUP');
    assert.deepEqual(exits, [129]);
    release();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(exits, [129, 0]);
    assert.equal(stops, 1);
  } finally {
    uninstall();
  }
});

test('the status line', () => {
  const tip = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(
    formatStatusLine({ height: 1204, tip, peers: 3, mempool: 12, hashRate: 412_500, sync: { syncing: false, height: 1204, target: 1204 } }),
    'height=1204 tip=000102030405 peers=3 mempool=12 hashrate=412.5kH/s sync=synced',
  );
  assert.equal(
    formatStatusLine({ height: 310, tip, peers: 2, mempool: 0, hashRate: null, sync: { syncing: true, height: 310, target: 1204 } }),
    'height=310 tip=000102030405 peers=2 mempool=0 sync=310/1204 (25.7%)',
  );
  assert.equal(formatStatusLine({ height: 0, tip, peers: 0, mempool: 0, hashRate: null, sync: null }), 'height=0 tip=000102030405 peers=0 mempool=0');
  assert.deepEqual([0, 999, 1000, 3.2e9, 7e15].map(formatHashRate), ['0H/s', '999H/s', '1.0kH/s', '3.2GH/s', '7000.0TH/s']);
});

test('option parsers accept what they should and name the option otherwise', () => {
  assert.equal(parsePort('18444', '--port'), 18444);
  assert.equal(parsePort('0', '--port', true), 0);
  for (const bad of ['0', '65536', '-1', '12a', '', '1e3']) {
    assert.throws(() => parsePort(bad, '--rpc-port'), (err: unknown) => err instanceof ConfigError && /--rpc-port/.test(err.message), bad);
  }
  assert.equal(parseThreads('4'), 4);
  for (const bad of ['0', '257', 'two', '1.5']) assert.throws(() => parseThreads(bad), ConfigError, bad);
  assert.equal(parseVerifyThreads('1'), 1);
  assert.equal(parseVerifyThreads('16'), 16);
  for (const bad of ['0', '257', 'all', '2.5', '']) {
    assert.throws(() => parseVerifyThreads(bad), (err: unknown) => err instanceof ConfigError && err.code === 'bad-verify-threads' && /--verify-threads/.test(err.message), bad);
  }
  assert.equal(parseAssumeValid('0'), null);
  assert.deepEqual(parseAssumeValid('AB'.repeat(32)), new Uint8Array(32).fill(0xab));
  for (const bad of ['', '1', 'ab'.repeat(31), 'zz'.repeat(32), 'ab'.repeat(33)]) {
    assert.throws(() => parseAssumeValid(bad), (err: unknown) => err instanceof ConfigError && err.code === 'bad-assume-valid' && /--assume-valid/.test(err.message), bad);
  }
  const genesisHash = new Uint8Array(32).fill(7);
  assert.deepEqual(defaultAssumeValid('gc-test', genesisHash), genesisHash, 'no release checkpoint yet: the genesis, which trusts nothing');
  const peer = '/ip4/127.0.0.1/tcp/18444/p2p/12D3KooWAvWeXrq3RzwdwLTMUzzUEdZks6xUztcJRk4KcfcEjCDM';
  assert.deepEqual(parseBootnodes(` ${peer}, ${peer.replace('18444', '18446')} ,`), [peer, peer.replace('18444', '18446')]);
  assert.throws(() => parseBootnodes('/ip4/127.0.0.1/tcp/18444'), /must end with \/p2p\/<peer id>/);
  assert.throws(() => parseBootnodes('not-a-multiaddr'), /is not a multiaddr/);
  assert.equal(parseBind('127.0.0.1'), '127.0.0.1');
  assert.throws(() => parseBind('localhost'), ConfigError);
  assert.equal(listenAddress('0.0.0.0', 18444), '/ip4/0.0.0.0/tcp/18444');
  assert.equal(listenAddress('::1', 0), '/ip6/::1/tcp/0');
});

test('rpc parameters: JSON where it reads back the same, strings otherwise', () => {
  assert.deepEqual(['12', 'true', 'null', '{"a":1}', '[1,2]', '"quoted"'].map(parseParam), [12, true, null, { a: 1 }, [1, 2], 'quoted']);
  // Hex that JSON would turn into numbers stays text.
  assert.deepEqual(['3e10', '0012', '00ff', 'gct1qxyz', '1.50'].map(parseParam), ['3e10', '0012', '00ff', 'gct1qxyz', '1.50']);
  assert.deepEqual(namedParams(['height=3', 'verbose=false', 'blockhash=00ab']), { height: 3, verbose: false, blockhash: '00ab' });
  assert.throws(() => namedParams(['3']), /name=value/);
});

test('a restarted node keeps its bans and its address index in the datadir', { timeout: 60_000 }, async () => {
  const t = await startTestNode();
  const options = { datadir: t.dir, genesis: GENESIS, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, rpcPort: 0, statusIntervalMs: 0, clockMs: testClockMs };
  const peer = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN';
  let restarted: FullNode | null = null;
  try {
    await t.node.network!.ban(peer, 'kept across a restart', 3_600_000);
    const tx = transfer(GENESIS.params, KEYS[0]!, KEYS[6]!.address, 50_000n, 2_000n, 0n);
    t.node.submitTransfer(tx);
    assert.equal((await t.node.submitBlock(Uint8Array.from(Buffer.from(blockHex(await solvedBlock(t.node)), 'hex')))).status, 'connected');
    await t.node.stop();
    await stat(t.node.layout.banList);
    await stat(t.node.layout.addressIndex);
    restarted = await FullNode.start(options);
    assert.deepEqual(restarted.network!.bans().map((b) => [b.peer, b.detail]), [[peer, 'kept across a restart']]);
    const history = await restarted.addressIndex!.history(KEYS[6]!.address, 10);
    assert.deepEqual(history.map((e) => [e.height, bytesEqual(transferId(e.tx), transferId(tx))]), [[1, true]]);
  } finally {
    await restarted?.stop();
    await t.close();
  }
});
