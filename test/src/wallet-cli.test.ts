/**
 * `gradientcoin wallet` as a person or a script runs it: a real child process of bin/gradientcoin.js
 * with a temporary data folder. Payments go to a small JSON-RPC node in this file that checks each
 * transfer with the real decoder and consensus rules; the node's own RPC server is tested elsewhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressFromPublicKey, decodeAddress } from '../../chain/address.ts';
import { DEFAULT_GENESIS_PATH, loadGenesis } from '../../chain/genesis.ts';
import { keyPairFromSecret } from '../../chain/keys.ts';
import { decodeTransfer, transferId } from '../../chain/tx.ts';
import { addressHash } from '../../consensus/address.ts';
import { checkTransferSanity } from '../../consensus/block-rules.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import type { Transfer } from '../../consensus/types.ts';
import { writeCookie } from '../../src/rpc/cookie.ts';
import { WalletStore } from '../../src/wallet/wallet-store.ts';

const BIN = fileURLToPath(new URL('../../bin/gradientcoin.js', import.meta.url));
const PASSWORD = 'correct horse';
const SECRET_HEX = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf';
const SECRET_ADDRESS = addressFromPublicKey('gct', keyPairFromSecret(fromHex(SECRET_HEX)).publicKey);
/** A valid address on this network that is nobody in these tests. */
const RECIPIENT = addressFromPublicKey('gct', keyPairFromSecret(new Uint8Array(32).fill(42)).publicKey);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `gradientcoin wallet ...`; the password comes only from what `env` says. */
function wallet(args: readonly string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, GC_WALLET_PASSWORD: undefined, ...opts.env };
  const child = spawn(process.execPath, [BIN, 'wallet', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill(), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const withPassword = { env: { GC_WALLET_PASSWORD: PASSWORD } };

/** A failure is one line on stderr, "error: ...", exit status 1, and no stack trace. */
function assertFails(run: Run, message: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^error: [^\n]*\n$/);
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

async function withDatadir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gc-wallet-cli-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('create, address and list need no node; a second create is refused', () =>
  withDatadir(async (dir) => {
    const created = await wallet(['create', '--datadir', dir, '--light-kdf'], withPassword);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^gct1q[02-9ac-hj-np-z]{38}\n$/);
    assert.match(created.stderr, /keep a copy of that file and of the password/);
    const address = created.stdout.trim();
    const path = join(dir, 'wallets', 'default.json');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    // The password given is the one that unlocks it.
    const store = new WalletStore({ datadir: dir, prefix: 'gct' });
    assert.equal((await store.load('default', PASSWORD)).address, address);

    const shown = await wallet(['address', '--datadir', dir]);
    assert.deepEqual(shown, { code: 0, stdout: `${address}\n`, stderr: '' });
    const listed = await wallet(['list', '--datadir', dir]);
    assert.deepEqual(listed, { code: 0, stdout: `default  ${address}\n`, stderr: '' });

    assertFails(await wallet(['create', '--datadir', dir, '--light-kdf'], withPassword), /already exists .* never overwritten/);
    assert.equal((await store.load('default', PASSWORD)).address, address);
  }));

test('import takes the secret key from stdin or from --secret-file, never from an argument', () =>
  withDatadir(async (dir) => {
    const fromStdin = await wallet(['import', '--datadir', dir, '--wallet', 'piped', '--light-kdf'], { ...withPassword, stdin: `${SECRET_HEX}\n` });
    assert.deepEqual({ code: fromStdin.code, stdout: fromStdin.stdout }, { code: 0, stdout: `${SECRET_ADDRESS}\n` });

    const keyFile = join(dir, 'key.txt');
    await writeFile(keyFile, `0x${SECRET_HEX.toUpperCase()}`);
    const passwordFile = join(dir, 'pw.txt');
    await writeFile(passwordFile, 'from a file\nignored');
    const fromFile = await wallet(['import', '--datadir', dir, '--wallet', 'filed', '--secret-file', keyFile, '--password-file', passwordFile, '--light-kdf']);
    assert.deepEqual({ code: fromFile.code, stdout: fromFile.stdout }, { code: 0, stdout: `${SECRET_ADDRESS}\n` });
    const store = new WalletStore({ datadir: dir, prefix: 'gct' });
    assert.deepEqual((await store.load('filed', 'from a file')).keyPair.secretKey, fromHex(SECRET_HEX));

    const listed = await wallet(['list', '--datadir', dir]);
    assert.equal(listed.stdout, `filed  ${SECRET_ADDRESS}\npiped  ${SECRET_ADDRESS}\n`);

    assertFails(await wallet(['import', '--datadir', dir, '--wallet', 'bad', '--light-kdf'], { ...withPassword, stdin: 'abcd\n' }), /a secret key is 64 hex digits/);
    const asArgument = await wallet(['import', SECRET_HEX, '--datadir', dir, '--wallet', 'arg'], withPassword);
    assert.equal(asArgument.code, 1);
    assert.match(asArgument.stderr, /too many arguments/);
  }));

test('with no password source and no terminal, the error says how to give one', () =>
  withDatadir(async (dir) => {
    assertFails(await wallet(['create', '--datadir', dir]), /--password-file PATH .* GC_WALLET_PASSWORD/);
  }));

test('balance with no node running prints the unreachable error and exits 1', () =>
  withDatadir(async (dir) => {
    await wallet(['create', '--datadir', dir, '--light-kdf'], withPassword);
    const port = await closedPort();
    assertFails(
      await wallet(['balance', '--datadir', dir, '--rpc-port', String(port)]),
      new RegExp(`^error: cannot reach the node at 127\\.0\\.0\\.1:${port}: is \`gradientcoin node\` running\\?\n$`),
    );
  }));

test('send refuses a mistyped address, one of another network, or a bad amount before signing anything', () =>
  withDatadir(async (dir) => {
    await wallet(['create', '--datadir', dir, '--light-kdf'], withPassword);
    assertFails(await wallet(['send', RECIPIENT, '1.000000001', '--datadir', dir], withPassword), /at most 8/);
    await withNode(dir, async (node) => {
      const rpc = ['--datadir', dir, '--rpc-port', String(node.port)];
      node.account = { balance: 100n * 100_000_000n, nonce: 0n };
      const typo = RECIPIENT.slice(0, -1) + (RECIPIENT.endsWith('q') ? 'p' : 'q');
      assertFails(await wallet(['send', typo, '1', ...rpc], withPassword), /invalid address .*bad checksum/);
      const otherNetwork = addressFromPublicKey('gcx', new Uint8Array(32).fill(42));
      assertFails(await wallet(['send', otherNetwork, '1', ...rpc], withPassword), /is for network "gcx", this network uses "gct"/);
      assert.ok(!node.calls.includes('sendrawtransaction'));
    });
  }));

test('the wallet signs for the network of the node it talks to, and refuses a --genesis of another network', () =>
  withDatadir(async (dir) => {
    await wallet(['import', '--datadir', dir, '--light-kdf'], { ...withPassword, stdin: SECRET_HEX });
    const otherGenesis = join(dir, 'other.json');
    const json = JSON.parse(await readFile(DEFAULT_GENESIS_PATH, 'utf8')) as Record<string, unknown>;
    await writeFile(otherGenesis, JSON.stringify({ ...json, network: 'another-net' }));
    const other = await loadGenesis(otherGenesis);
    await withNode(dir, async (node) => {
      const rpc = ['--datadir', dir, '--rpc-port', String(node.port)];
      node.account = { balance: 100n * 100_000_000n, nonce: 0n };
      node.genesis = other.hash;
      const sent = await wallet(['send', RECIPIENT, '1', ...rpc], withPassword);
      assert.equal(sent.code, 0, sent.stderr);
      assert.deepEqual(node.accepted[0]!.chainId, other.hash, "signed for the node's chain, with no --genesis given");
      const refused = await wallet(['send', RECIPIENT, '1', '--genesis', DEFAULT_GENESIS_PATH, ...rpc], withPassword);
      assertFails(refused, /--genesis .* is network "gradientcoin-testnet" \(chain id [0-9a-f]{12}…\), but the node on RPC port \d+ follows "another-net"/);
      assert.equal(node.accepted.length, 1);
    });
  }));

test('rewards not yet spendable: balance shows them apart, and send says until when', () =>
  withDatadir(async (dir) => {
    await wallet(['import', '--datadir', dir, '--light-kdf'], { ...withPassword, stdin: SECRET_HEX });
    await withNode(dir, async (node) => {
      const rpc = ['--datadir', dir, '--rpc-port', String(node.port)];
      node.account = {
        balance: 100_000_000n,
        nonce: 0n,
        immature: [
          { height: 8, amount: 200_000_000n, spendableAt: 11 },
          { height: 9, amount: 200_000_000n, spendableAt: 12 },
        ],
      };
      assert.equal((await wallet(['balance', ...rpc])).stdout, '1.00000000 GC (nonce 0)\n4.00000000 GC immature (mining and contribution rewards, spendable from height 11 to 12)\n');
      assertFails(await wallet(['send', RECIPIENT, '4', ...rpc], withPassword), /^error: 3\.00010000 GC of the 4\.00010000 GC needed is immature until height 12: /);
      assertFails(await wallet(['send', RECIPIENT, '6', ...rpc], withPassword), /^error: insufficient funds: have 1\.00000000 GC, need 6\.00010000 GC\n$/);
      assert.ok(!node.calls.includes('sendrawtransaction'));
    });
  }));

test('without a cookie the error names --node-datadir and the cookie user', () =>
  withDatadir(async (dir) => {
    await wallet(['create', '--datadir', dir, '--light-kdf'], withPassword);
    const elsewhere = join(dir, 'no-node-here');
    await withNode(dir, async (node) => {
      const run = await wallet(['balance', '--datadir', dir, '--node-datadir', elsewhere, '--rpc-port', String(node.port)]);
      assertFails(run, /no RPC cookie at .*no-node-here\/\.cookie.*--node-datadir.*--rpc-user __cookie__/);
      assert.equal((await wallet(['balance', '--datadir', elsewhere, '--node-datadir', dir, '--wallet', 'default', '--rpc-port', String(node.port)])).code, 1, 'no wallet in elsewhere');
      const ok = await wallet(['balance', '--datadir', dir, '--node-datadir', dir, '--rpc-port', String(node.port)]);
      assert.equal(ok.code, 0, ok.stderr);
    });
  }));

interface TestNode {
  port: number;
  readonly accepted: Transfer[];
  readonly calls: string[];
  account: { balance: bigint; nonce: bigint; pendingNonce?: bigint; immature?: { height: number; amount: bigint; spendableAt: number }[] };
  /** The chain id getblockchaininfo reports (default: the repository's genesis). */
  genesis?: Uint8Array;
}

/** A JSON-RPC node on loopback: cookie auth, getaccount, getaddresshistory, and sendrawtransaction with the real rules. */
async function withNode(dir: string, fn: (node: TestNode) => Promise<void>): Promise<void> {
  const genesis = await loadGenesis();
  const cookie = await writeCookie(dir);
  const expectedAuth = `Basic ${Buffer.from(`${cookie.user}:${cookie.password}`).toString('base64')}`;
  const node: TestNode = { port: 0, accepted: [], calls: [], account: { balance: 0n, nonce: 0n } };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const reply = (payload: object): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: request.id, ...payload }));
      };
      if (req.headers.authorization !== expectedAuth) {
        res.writeHead(401);
        res.end();
        return;
      }
      const request = JSON.parse(body) as { id: number; method: string; params: unknown };
      node.calls.push(request.method);
      if (request.method === 'getaccount') {
        const { address } = request.params as { address: string };
        const a = node.account;
        reply({
          result: {
            address,
            balance: a.balance.toString(),
            nonce: a.nonce.toString(),
            ...(a.pendingNonce === undefined ? {} : { pendingNonce: a.pendingNonce.toString() }),
            immatureRewards: (a.immature ?? []).map((r) => ({ ...r, amount: r.amount.toString() })),
          },
        });
      } else if (request.method === 'getblockchaininfo') {
        reply({ result: { chain: node.genesis ? 'another-net' : 'gradientcoin-testnet', genesis: toHex(node.genesis ?? genesis.hash), addressprefix: 'gct', blocks: 10 } });
      } else if (request.method === 'sendrawtransaction') {
        try {
          const tx = decodeTransfer(fromHex((request.params as string[])[0]!));
          checkTransferSanity({ ...genesis.params, chainId: node.genesis ?? genesis.params.chainId }, tx);
          node.accepted.push(tx);
          reply({ result: toHex(transferId(tx)) });
        } catch (err) {
          reply({ error: { code: -26, message: String(err) } });
        }
      } else if (request.method === 'getaddresshistory') {
        const { address } = request.params as { address: string };
        reply({
          result: [
            { txid: 'aa'.repeat(32), height: 5, blockHash: 'bb'.repeat(32), time: 1795305700, from: RECIPIENT, to: address, amount: '250000000', fee: '10000' },
            { txid: 'cc'.repeat(32), height: 9, blockHash: 'dd'.repeat(32), time: 1795305800, from: address, to: RECIPIENT, amount: '100000000', fee: '20000' },
            { txid: 'ee'.repeat(32), height: null, blockHash: null, time: null, from: address, to: RECIPIENT, amount: '1', fee: '10000' },
            { txid: 'ff'.repeat(32), status: 'dropped', height: null, blockHash: null, time: null, from: address, to: RECIPIENT, amount: '2', fee: '10000', droppedAtHeight: 12, reason: 'bad-tx-balance: sender holds 0' },
          ],
        });
      } else {
        reply({ error: { code: -32601, message: 'Method not found' } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    node.port = (server.address() as AddressInfo).port;
    await fn(node);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('balance, send and history through a node', () =>
  withDatadir(async (dir) => {
    await wallet(['import', '--datadir', dir, '--light-kdf'], { ...withPassword, stdin: SECRET_HEX });
    const genesis = await loadGenesis();
    await withNode(dir, async (node) => {
      const rpc = ['--datadir', dir, '--rpc-port', String(node.port)];
      node.account = { balance: 150_000_000n, nonce: 3n };
      assert.deepEqual(await wallet(['balance', ...rpc]), { code: 0, stdout: '1.50000000 GC (nonce 3)\n', stderr: '' });

      // Too little money: refused before the password is asked and before anything is sent.
      assertFails(await wallet(['send', RECIPIENT, '1.5', ...rpc]), /^error: insufficient funds: have 1\.50000000 GC, need 1\.50010000 GC\n$/);
      assert.deepEqual(node.calls, ['getblockchaininfo', 'getaccount', 'getblockchaininfo', 'getaccount']);

      assertFails(await wallet(['send', RECIPIENT, '1', ...rpc], { env: { GC_WALLET_PASSWORD: 'not it' } }), /^error: wrong password \(or the keystore is corrupted\)\n$/);
      assertFails(await wallet(['send', SECRET_ADDRESS, '1', ...rpc], withPassword), /recipient is this wallet itself/);
      assert.ok(!node.calls.includes('sendrawtransaction'));

      const sent = await wallet(['send', RECIPIENT, '1.25', ...rpc], withPassword);
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(node.accepted.length, 1);
      const tx = node.accepted[0]!;
      assert.equal(sent.stdout, `${toHex(transferId(tx))}\n`);
      assert.match(sent.stderr, /sent 1\.25000000 GC to gct1.* \(fee 0\.00010000 GC, nonce 3\)/);
      assert.equal(tx.amount, 125_000_000n);
      assert.equal(tx.fee, 10_000n); // the default fee, 0.0001 GC
      assert.equal(tx.nonce, 3n);
      assert.deepEqual(tx.chainId, genesis.params.chainId);
      assert.deepEqual(tx.recipient, decodeAddress('gct', RECIPIENT));
      assert.ok(bytesEqual(addressHash(tx.senderPublicKey), decodeAddress('gct', SECRET_ADDRESS)));

      // With transfers waiting in the mempool the next nonce follows them.
      node.account = { balance: 150_000_000n, nonce: 3n, pendingNonce: 5n };
      assert.equal((await wallet(['balance', ...rpc])).stdout, '1.50000000 GC (nonce 3, 2 pending)\n');
      const second = await wallet(['send', RECIPIENT, '0.0000552', '--fee', '0.0000184', ...rpc], withPassword);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(node.accepted[1]!.nonce, 5n);
      assert.equal(node.accepted[1]!.fee, 1_840n); // the minimum relay fee of a transfer
      assert.equal(node.accepted[1]!.amount, 5_520n); // the smallest amount that is not dust

      const history = await wallet(['history', ...rpc]);
      assert.equal(history.code, 0, history.stderr);
      const lines = history.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 5);
      assert.match(history.stderr, new RegExp(`dropped ${'ff'.repeat(32)}: bad-tx-balance: sender holds 0`));
      assert.match(lines[0]!, /^\s*HEIGHT\s+TIME \(UTC\)\s+AMOUNT GC\s+FEE GC\s+COUNTERPARTY\s+TXID$/);
      assert.match(lines[1]!, new RegExp(`^pending\\s+-\\s+-0\\.00000001\\s+0\\.00010000\\s+${RECIPIENT}\\s+${'ee'.repeat(32)}$`));
      assert.match(lines[2]!, new RegExp(`^dropped\\s+-\\s+-0\\.00000002\\s+0\\.00010000\\s+${RECIPIENT}\\s+${'ff'.repeat(32)}$`));
      assert.match(lines[3]!, new RegExp(`^\\s+9\\s+2026-11-22 00:03:20\\s+-1\\.00000000\\s+0\\.00020000\\s+${RECIPIENT}\\s+${'cc'.repeat(32)}$`));
      assert.match(lines[4]!, new RegExp(`^\\s+5\\s+2026-11-22 00:01:40\\s+\\+2\\.50000000\\s+-\\s+${RECIPIENT}\\s+${'aa'.repeat(32)}$`));
    });
  }));

test('the password prompt on a terminal does not echo, and asks twice for a new wallet', { skip: !hasScript() && 'needs util-linux script(1) for a pseudo-terminal' }, () =>
  withDatadir(async (dir) => {
    const typed = 'typed s3cret';
    const command = [process.execPath, BIN, 'wallet', 'create', '--light-kdf', '--datadir', dir].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, GC_WALLET_PASSWORD: undefined }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let answered = 0;
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      // Typed only once each question is on screen, as a person would.
      if (answered === 0 && screen.includes('New password for new wallet "default": ')) {
        answered = 1;
        child.stdin.write(`${typed}\r`);
      } else if (answered === 1 && screen.includes('Repeat the password: ')) {
        answered = 2;
        child.stdin.write(`${typed}\r`);
      }
    });
    const timer = setTimeout(() => child.kill(), 60_000);
    const code = await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, screen);
    assert.equal(answered, 2);
    assert.ok(!screen.includes('s3cret'), `the password was echoed: ${JSON.stringify(screen)}`);
    const address = /(gct1[02-9ac-hj-np-z]+)/.exec(screen)?.[1];
    const store = new WalletStore({ datadir: dir, prefix: 'gct' });
    assert.equal((await store.load('default', typed)).address, address);
  }));

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
