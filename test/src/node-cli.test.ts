/**
 * `gradientcoin init`, `node` and `rpc` as a person runs them: child processes of
 * bin/gradientcoin.js on a temporary datadir. A failure is one line on stderr and exit status 1;
 * a node in a datadir that another process holds says which process; SIGTERM stops a node cleanly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../../consensus/hash.ts';
import { targetToBits } from '../../consensus/pow/compact.ts';
import { cookiePath } from '../../src/rpc/cookie.ts';
import { BIN, NodeProcess, writeTestGenesis, type TestNetworkGenesis } from '../util/node-process.ts';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function gradientcoin(args: readonly string[], timeoutMs = 30_000): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** One line on stderr starting "error: ", status 1, nothing on stdout. */
function assertFailure(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, pattern);
}

let root: string;
let net: TestNetworkGenesis;
let datadir: string;
let node: NodeProcess | undefined;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'gc-node-cli-'));
  net = await writeTestGenesis(root, { bits: targetToBits(1n << 240n), blockTimeSeconds: 2, ageSeconds: 60 });
  datadir = join(root, 'data');
});

after(async () => {
  node?.kill();
  await node?.exited;
  await rm(root, { recursive: true, force: true });
});

test('init creates the datadir from a genesis, and again changes nothing', { timeout: 30_000 }, async () => {
  const first = await gradientcoin(['init', '--datadir', datadir, '--genesis', net.path]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, `initialised ${datadir} for network gc-multiprocess-test (genesis ${toHex(net.genesis.hash)}, height 0)\n`);
  assert.equal(await readFile(join(datadir, 'genesis.json'), 'utf8'), await readFile(net.path, 'utf8'));
  assert.ok((await stat(join(datadir, 'chain'))).isDirectory());
  const again = await gradientcoin(['init', '--datadir', datadir, '--genesis', net.path]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^already initialised /);
});

test('init refuses a datadir of another network', { timeout: 30_000 }, async () => {
  const otherDir = join(root, 'other');
  await mkdir(otherDir);
  const other = await writeTestGenesis(otherDir, { bits: targetToBits(1n << 240n), blockTimeSeconds: 3, ageSeconds: 60 });
  assertFailure(await gradientcoin(['init', '--datadir', datadir, '--genesis', other.path]), /already holds the network with genesis [0-9a-f]{64}/);
});

test('node refuses bad options before starting anything', { timeout: 30_000 }, async () => {
  const dir = join(root, 'unused');
  const [noAddress, badAddress, badPort, badBootnode] = await Promise.all([
    gradientcoin(['node', '--datadir', dir, '--genesis', net.path, '--mine']),
    gradientcoin(['node', '--datadir', dir, '--genesis', net.path, '--mine', '--miner-address', 'gct1qnotanaddress']),
    gradientcoin(['node', '--datadir', dir, '--port', '99999']),
    gradientcoin(['node', '--datadir', dir, '--bootnodes', '/ip4/127.0.0.1/tcp/1']),
  ]);
  assertFailure(noAddress, /--mine needs --miner-address/);
  assertFailure(badAddress, /invalid address/);
  assert.equal(badPort.code, 1);
  assert.match(badPort.stderr, /--port must be a port number from 0 to 65535, got "99999"/);
  assert.equal(badBootnode.code, 1);
  assert.match(badBootnode.stderr, /must end with \/p2p\/<peer id>/);
});

test('node runs on the initialised datadir (its own genesis), and a second node there is refused', { timeout: 60_000 }, async () => {
  node = await NodeProcess.start({ name: 'node', datadir });
  const info = await node.call<{ genesis: string; chain: string }>('getblockchaininfo');
  assert.equal(info.genesis, toHex(net.genesis.hash));
  const second = await gradientcoin(['node', '--datadir', datadir, '--bind', '127.0.0.1', '--port', '0', '--rpc-port', '0', '--no-mdns', '--no-log-file']);
  assertFailure(second, new RegExp(`datadir ${join(datadir, 'chain')} is in use by another process \\(pid ${node.child.pid}\\)`));
  assert.ok(node.running);
});

test('rpc prints results as JSON, strings as text, and failures as one line', { timeout: 60_000 }, async () => {
  assert.ok(node);
  const rpc = ['rpc', '--datadir', datadir, '--rpc-port', String(node.rpc.port)];
  const genesisHash = toHex(net.genesis.hash);
  const [hash, header, json, help, outOfRange, unknown, noCookie] = await Promise.all([
    gradientcoin([...rpc, 'getblockhash', '0']),
    gradientcoin([...rpc, '--named', 'getblockheader', `blockhash=${genesisHash}`, 'verbose=false']),
    gradientcoin([...rpc, 'getblockheader', genesisHash]),
    gradientcoin([...rpc, 'help']),
    gradientcoin([...rpc, 'getblockhash', '99']),
    gradientcoin([...rpc, 'nosuchmethod']),
    gradientcoin(['rpc', '--datadir', join(root, 'nowhere'), '--rpc-port', String(node.rpc.port), 'getblockcount']),
  ]);
  assert.equal(hash.code, 0, hash.stderr);
  assert.equal(hash.stdout, `${genesisHash}\n`);
  assert.match(header.stdout, /^[0-9a-f]{480}\n$/);
  assert.equal((JSON.parse(json.stdout) as { height: number }).height, 0);
  assert.match(help.stdout, /^getblockchaininfo +the state of the chain/m);
  assertFailure(outOfRange, /getblockhash: block height 99 is out of range .*\(RPC error -8\)/);
  assertFailure(unknown, /method not found: nosuchmethod .*\(RPC error -32601\)/);
  assertFailure(noCookie, /no RPC cookie/);
});

test('SIGTERM stops the node gracefully: status 0, cookie removed', { timeout: 30_000 }, async () => {
  assert.ok(node);
  await stat(cookiePath(datadir));
  node.child.kill('SIGTERM');
  const exit = await node.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(node.output(), /SIGTERM: stopping/);
  await assert.rejects(stat(cookiePath(datadir)), /ENOENT/);
});
