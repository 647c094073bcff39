/**
 * The JSON-RPC server of a real FullNode (chain on a temporary datadir, P2P on loopback, RPC on a
 * free port): HTTP and JSON-RPC 2.0 handling, authentication, limits and batches, then every method
 * against the chain as blocks and transfers arrive through the RPC itself. The wallet's own client
 * functions (src/wallet/node-api.ts) read the account and history answers, so the shapes the wallet
 * relies on are checked by the wallet's code.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { encodeAddress } from '../../chain/address.ts';
import { encodeBlock } from '../../chain/block.ts';
import { encodeHeader, headerHash } from '../../chain/header.ts';
import { encodeTransfer, signTransfer } from '../../chain/tx.ts';
import { transferId } from '../../consensus/ids.ts';
import { bitsToTarget } from '../../consensus/pow/compact.ts';
import { hashToBigInt } from '../../consensus/pow/target.ts';
import { toHex } from '../../consensus/hash.ts';
import type { Block } from '../../consensus/types.ts';
import { RpcError, rpcCall } from '../../src/rpc/client.ts';
import { cookiePath } from '../../src/rpc/cookie.ts';
import { getAccount, getAddressHistory, sendRawTransaction } from '../../src/wallet/node-api.ts';
import { buildBlock, childParent, transfer } from '../util/fixtures.ts';
import { blockHex, GENESIS, KEYS, solvedBlock, startTestNode, type TestNode } from '../util/node-harness.ts';

const params = GENESIS.params;
const address = (i: number): string => encodeAddress(params.addressPrefix, KEYS[i]!.address);
const MAX_REQUEST = 64 * 1024;

interface Raw {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

let t: TestNode;
let auth: string;

async function raw(body: string, options: { auth?: string | null; method?: string; path?: string } = {}): Promise<Raw> {
  const authorization = options.auth === undefined ? auth : options.auth;
  const response = await fetch(`http://127.0.0.1:${t.node.rpcPort}${options.path ?? '/'}`, {
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    ...(options.method === 'GET' ? {} : { body }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** One JSON-RPC call, answered with the whole response object. */
async function call(method: string, params: unknown = [], id: unknown = 1): Promise<Record<string, unknown>> {
  const r = await raw(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  assert.equal(r.status, 200);
  return JSON.parse(r.text) as Record<string, unknown>;
}

async function result<T>(method: string, params: unknown = []): Promise<T> {
  return rpcCall<T>(t.rpc, method, params as unknown[]);
}

/** The RpcError code of a failed call (through the real client). */
async function rpcCode(method: string, params: unknown = []): Promise<number | undefined> {
  try {
    await rpcCall(t.rpc, method, params as unknown[]);
  } catch (err) {
    if (err instanceof RpcError && err.code === 'rpc-error') return err.rpcCode;
    throw err;
  }
  assert.fail(`${method} was expected to fail`);
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A POST through node:http (fetch cannot send a body without a length or lie about it). */
function post(headers: Record<string, string>, chunks: readonly string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: t.node.rpcPort, method: 'POST', path: '/', headers: { authorization: auth, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

before(async () => {
  t = await startTestNode({ rpcUser: 'alice', rpcPassword: 'secret words', rpcOptions: { authFailureDelayMs: 5, maxRequestBytes: MAX_REQUEST } });
  const cookie = await readFile(cookiePath(t.dir), 'utf8');
  auth = `Basic ${Buffer.from(cookie).toString('base64')}`;
});

after(async () => {
  await t.close();
});

describe('HTTP and authentication', () => {
  test('the cookie is __cookie__:<64 hex>, readable by its owner only', async () => {
    const cookie = await readFile(cookiePath(t.dir), 'utf8');
    assert.match(cookie, /^__cookie__:[0-9a-f]{64}$/);
    assert.equal((await stat(cookiePath(t.dir))).mode & 0o777, 0o600);
  });

  test('no credentials, a wrong password or a malformed header get 401 with a Basic challenge', async () => {
    for (const authorization of [null, basic('__cookie__', '0'.repeat(64)), basic('alice', 'wrong'), 'Bearer abc', 'Basic !!!']) {
      const r = await raw('{"jsonrpc":"2.0","id":1,"method":"getblockcount"}', { auth: authorization });
      assert.equal(r.status, 401, String(authorization));
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="jsonrpc"');
    }
    await assert.rejects(rpcCall({ port: t.node.rpcPort, user: 'alice', password: 'nope' }, 'getblockcount'), (err: unknown) => {
      return err instanceof RpcError && err.code === 'unauthorized';
    });
  });

  test('the configured user and password work besides the cookie', async () => {
    assert.equal(await rpcCall({ port: t.node.rpcPort, user: 'alice', password: 'secret words' }, 'getblockcount'), t.node.chain.height());
  });

  test('only POST to / is served', async () => {
    assert.equal((await raw('', { method: 'GET' })).status, 405);
    assert.equal((await raw('{}', { path: '/wallet/x' })).status, 404);
  });

  test('a request over the size limit gets 413, by its declared length or while it streams', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getblockcount', params: ['x'.repeat(MAX_REQUEST)] });
    const declared = await post({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) }, [big]);
    assert.equal(declared.status, 413);
    assert.equal((JSON.parse(declared.body) as { error: { code: number } }).error.code, -32600);
    const streamed = await post({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [big.slice(0, 40_000), big.slice(40_000)]);
    assert.equal(streamed.status, 413);
    // The server is still there for the next request.
    assert.equal(await result('getblockcount'), t.node.chain.height());
  });
});

describe('JSON-RPC 2.0', () => {
  test('a body that is not JSON is a parse error (-32700) with id null', async () => {
    const r = await raw('{"jsonrpc": "2.0", "method": ');
    assert.equal(r.status, 200);
    const body = JSON.parse(r.text) as { id: unknown; error: { code: number } };
    assert.equal(body.error.code, -32700);
    assert.equal(body.id, null);
  });

  test('malformed requests are invalid requests (-32600)', async () => {
    const bodies = [
      '42',
      '"getblockcount"',
      '{"id":1,"method":"getblockcount"}',
      '{"jsonrpc":"1.0","id":1,"method":"getblockcount"}',
      '{"jsonrpc":"2.0","id":1,"method":7}',
      '{"jsonrpc":"2.0","id":{"a":1},"method":"getblockcount"}',
      '{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":"x"}',
      '[]',
    ];
    for (const body of bodies) {
      const r = JSON.parse((await raw(body)).text) as { error?: { code: number } };
      assert.equal(r.error?.code, -32600, body);
    }
  });

  test('unknown methods, including names on Object.prototype, are -32601', async () => {
    for (const method of ['nosuchmethod', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = await call(method);
      assert.equal((r['error'] as { code: number }).code, -32601, method);
      assert.equal(r['id'], 1);
    }
  });

  test('wrong parameters are -32602: too many, an unknown name, a wrong type, a missing one', async () => {
    for (const [method, p] of [
      ['getblockcount', [1]],
      ['getblockhash', { height: 0, extra: 1 }],
      ['getblockhash', ['0']],
      ['getblockhash', [1.5]],
      ['getblockhash', []],
      ['getblock', ['zz']],
      ['getblock', [toHex(GENESIS.hash), 'x']],
      ['getaccount', {}],
    ] as const) {
      const r = await call(method, p);
      assert.equal((r['error'] as { code: number }).code, -32602, `${method} ${JSON.stringify(p)}`);
    }
  });

  test('parameters by name and by position give the same answer; null skips an optional one', async () => {
    const hash = toHex(GENESIS.hash);
    const byPosition = await result('getblock', [hash, 2]);
    assert.deepEqual(await rpcCall(t.rpc, 'getblock', { verbosity: 2, blockhash: hash }), byPosition);
    assert.deepEqual(await result('getblock', [hash, null]), await result('getblock', [hash, 1]));
  });

  test('a batch is answered in order, without its notifications; errors stay per request', async () => {
    const r = await raw(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'getblockcount' },
        { jsonrpc: '2.0', method: 'getblockcount' },
        { jsonrpc: '2.0', id: 'b', method: 'nosuchmethod' },
        5,
        { jsonrpc: '2.0', id: 'c', method: 'getbestblockhash' },
      ]),
    );
    const answers = JSON.parse(r.text) as Array<{ id: unknown; result?: unknown; error?: { code: number } }>;
    assert.deepEqual(
      answers.map((a) => a.id),
      ['a', 'b', null, 'c'],
    );
    assert.equal(answers[0]!.result, t.node.chain.height());
    assert.equal(answers[1]!.error?.code, -32601);
    assert.equal(answers[2]!.error?.code, -32600);
    assert.equal(answers[3]!.result, toHex(t.node.chain.tip().hash));
  });

  test('notifications alone get 204 and no body', async () => {
    assert.equal((await raw('{"jsonrpc":"2.0","method":"getblockcount"}')).status, 204);
    assert.equal((await raw('[{"jsonrpc":"2.0","method":"getblockcount"}]')).status, 204);
  });

  test('help lists every method with a summary and describes one', async () => {
    const text = await result<string>('help');
    for (const name of [
      'getblockchaininfo', 'getblockcount', 'getbestblockhash', 'getblockhash', 'getblock', 'getblockheader', 'getchaintips',
      'getmininginfo', 'getpeerinfo', 'getnetworkinfo', 'getaccount', 'getaddresshistory', 'sendrawtransaction',
      'getmempoolinfo', 'getrawmempool', 'submitblock', 'stop', 'help', 'uptime',
    ]) {
      assert.match(text, new RegExp(`^${name}\\b.*  +\\S`, 'm'), name);
    }
    const one = await result<string>('help', ['getblock']);
    assert.match(one, /^getblock <blockhash> \[verbosity\]/);
    assert.match(one, /verbosity \(optional\)/);
    assert.equal(await rpcCode('help', ['nosuchmethod']), -8);
  });
});

describe('chain, blocks and mining', () => {
  const blocks: Block[] = [];

  before(async () => {
    for (let i = 0; i < 3; i++) {
      const block = await solvedBlock(t.node);
      assert.equal(await result('submitblock', [blockHex(block)]), null);
      blocks.push(block);
    }
  });

  test('height, tip and hashes by height', async () => {
    assert.equal(await result('getblockcount'), 3);
    const tip = toHex(headerHash(blocks[2]!.header));
    assert.equal(await result('getbestblockhash'), tip);
    assert.equal(await result('getblockhash', [0]), toHex(GENESIS.hash));
    assert.equal(await result('getblockhash', [3]), tip);
    assert.equal(await rpcCode('getblockhash', [4]), -8);
    assert.equal(await rpcCode('getblockhash', [-1]), -8);
  });

  test('getblockchaininfo', async () => {
    const info = await result<Record<string, unknown>>('getblockchaininfo');
    assert.equal(info['chain'], params.network);
    assert.equal(info['genesis'], toHex(GENESIS.hash));
    assert.equal(info['blocks'], 3);
    assert.equal(info['bestblockhash'], toHex(headerHash(blocks[2]!.header)));
    assert.equal(info['bits'], blocks[2]!.header.bits.toString(16).padStart(8, '0'));
    assert.equal(info['time'], blocks[2]!.header.timestamp);
    assert.match(info['chainwork'] as string, /^[0-9a-f]{64}$/);
    assert.equal(info['initialblockdownload'], false);
    assert.equal(info['addressprefix'], params.addressPrefix);
  });

  test('getblock at verbosity 0, 1 and 2', async () => {
    const block = blocks[1]!;
    const hash = toHex(headerHash(block.header));
    assert.equal(await result('getblock', [hash, 0]), blockHex(block));
    assert.equal(await result('getblock', [hash, false]), blockHex(block));
    const one = await result<Record<string, unknown>>('getblock', [hash]);
    assert.equal(one['hash'], hash);
    assert.equal(one['height'], 2);
    assert.equal(one['confirmations'], 2);
    assert.equal(one['size'], encodeBlock(block).length);
    assert.equal(one['previousblockhash'], toHex(headerHash(blocks[0]!.header)));
    assert.equal(one['nextblockhash'], toHex(headerHash(blocks[2]!.header)));
    assert.equal(one['nonce'], block.header.nonce.toString());
    assert.equal(one['miner'], address(7));
    assert.equal(one['stateroot'], toHex(block.header.stateRoot));
    assert.deepEqual(one['tx'], []);
    const two = await result<Record<string, unknown>>('getblock', [hash, 2]);
    assert.deepEqual(two['report'], []);
    assert.equal(await rpcCode('getblock', ['00'.repeat(32)]), -5);
    assert.equal(await rpcCode('getblock', [hash, 3]), -8);
  });

  test('getblockheader as JSON and as the 240 header bytes', async () => {
    const block = blocks[2]!;
    const hash = toHex(headerHash(block.header));
    const json = await result<Record<string, unknown>>('getblockheader', [hash]);
    assert.equal(json['height'], 3);
    assert.equal(json['nextblockhash'], null);
    assert.equal(json['confirmations'], 1);
    assert.equal(await result('getblockheader', [hash, false]), toHex(encodeHeader(block.header)));
    const genesis = await result<Record<string, unknown>>('getblockheader', [toHex(GENESIS.hash)]);
    assert.equal(genesis['previousblockhash'], null);
  });

  test('submitblock answers as BIP 22: duplicate, rule broken, undecodable, side branch, orphan', async () => {
    assert.equal(await result('submitblock', [blockHex(blocks[2]!)]), 'duplicate');
    // A wrong nonce: the header no longer meets its target (about half the nonces do; find one that does not).
    const unsolved = await solvedBlock(t.node);
    let bad = unsolved;
    for (let nonce = 0n; ; nonce++) {
      bad = { ...unsolved, header: { ...unsolved.header, nonce } };
      if (hashToBigInt(headerHash(bad.header)) > bitsToTarget(bad.header.bits)) break;
    }
    assert.equal(await result('submitblock', [blockHex(bad)]), 'high-hash');
    assert.equal(await rpcCode('submitblock', ['c0ffee']), -22);
    assert.equal(await rpcCode('submitblock', ['xyz']), -32602);

    // Two blocks on the same tip: the first extends the chain, the second is stored on a side branch
    // (its state is checked only if that branch ever leads: 'valid-headers', as bitcoind says).
    const first = await solvedBlock(t.node, KEYS[5]!.address);
    const second = await solvedBlock(t.node, KEYS[6]!.address);
    assert.equal(await result('submitblock', [blockHex(first)]), null);
    assert.equal(await result('submitblock', [blockHex(second)]), 'inconclusive');
    const tips = await result<Array<{ hash: string; status: string; branchlen: number; height: number }>>('getchaintips');
    assert.deepEqual(tips.find((x) => x.status === 'active'), { height: 4, hash: toHex(headerHash(first.header)), branchlen: 0, status: 'active' });
    assert.deepEqual(tips.find((x) => x.status !== 'active'), { height: 4, hash: toHex(headerHash(second.header)), branchlen: 1, status: 'valid-headers' });
    assert.equal((await result<Record<string, unknown>>('getblock', [toHex(headerHash(second.header))]))['confirmations'], -1);

    // A child arriving before its parent waits as an orphan and joins when the parent comes.
    const tipState = t.node.chain.tipState();
    const parent = buildBlock(params, tipState, { miner: KEYS[7]!.address, timestamp: Math.floor(t.node.clockMs() / 1000) });
    const child = buildBlock(params, childParent(params, tipState, parent), { miner: KEYS[7]!.address, timestamp: Math.floor(t.node.clockMs() / 1000) + 1 });
    assert.equal(await result('submitblock', [blockHex(child)]), 'orphan');
    assert.equal((await result<Record<string, unknown>>('getblockchaininfo'))['orphans'], 1);
    assert.equal(await result('submitblock', [blockHex(parent)]), null);
    assert.equal(await result('getbestblockhash'), toHex(headerHash(child.header)));
  });

  test('getmininginfo without a miner', async () => {
    const info = await result<Record<string, unknown>>('getmininginfo');
    assert.equal(info['blocks'], t.node.chain.height());
    assert.equal(info['mining'], false);
    assert.equal(info['threads'], 0);
    assert.equal(info['mineraddress'], null);
    assert.match(info['target'] as string, /^[0-9a-f]{64}$/);
    assert.ok((info['networkhashps'] as number) >= 0);
  });
});

describe('accounts, transfers and the mempool', () => {
  test('getaccount: an allocation, an empty account, a bad address', async () => {
    const funded = await getAccount(t.rpc, address(0));
    assert.equal(funded.balance, 1000n * 100_000_000n);
    assert.equal(funded.nonce, 0n);
    assert.equal(funded.pendingNonce, 0n);
    const raw = await result<Record<string, unknown>>('getaccount', { address: address(6) });
    const height = await result<number>('getblockcount');
    assert.deepEqual(raw, { address: address(6), balance: '0', nonce: '0', pendingNonce: '0', height, maturity: 0, immature: '0', immatureRewards: [] });
    assert.equal(await rpcCode('getaccount', ['gct1qqqqqqqq']), -5);
    assert.equal(await rpcCode('getaccount', [encodeAddress('other', KEYS[0]!.address)]), -5);
  });

  test('a transfer goes through the mempool into a block, and both histories show it', async () => {
    const tx = transfer(params, KEYS[0]!, KEYS[4]!.address, 150_000_000n, 10_000n, 0n);
    const txid = toHex(transferId(tx));
    assert.equal(await sendRawTransaction(t.rpc, tx), txid);
    // Sending it again is not an error: the pool already has it.
    assert.equal(await result('sendrawtransaction', [toHex(encodeTransfer(tx))]), txid);

    assert.equal((await getAccount(t.rpc, address(0))).pendingNonce, 1n);
    assert.deepEqual(await result('getrawmempool'), [txid]);
    const verbose = await result<Record<string, Record<string, unknown>>>('getrawmempool', [true]);
    assert.equal(verbose[txid]!['amount'], '150000000');
    assert.equal(verbose[txid]!['from'], address(0));
    const info = await result<Record<string, unknown>>('getmempoolinfo');
    assert.equal(info['size'], 1);
    assert.equal(info['bytes'], encodeTransfer(tx).length);

    const pending = await getAddressHistory(t.rpc, address(4), 10);
    assert.deepEqual(pending, [{ txid, status: 'pending', height: null, blockHash: null, time: null, from: address(0), to: address(4), amount: 150_000_000n, fee: 10_000n }]);

    const block = await solvedBlock(t.node);
    assert.deepEqual(block.txs.map((x) => toHex(transferId(x))), [txid]);
    assert.equal(await result('submitblock', [blockHex(block)]), null);
    assert.deepEqual(await result('getrawmempool'), []);

    const sender = await getAccount(t.rpc, address(0));
    assert.equal(sender.balance, 1000n * 100_000_000n - 150_010_000n);
    assert.equal(sender.nonce, 1n);
    const recipient = await getAccount(t.rpc, address(4));
    assert.equal(recipient.balance, 150_000_000n);
    const expected = {
      txid,
      status: 'confirmed',
      height: block.header.height,
      blockHash: toHex(headerHash(block.header)),
      time: block.header.timestamp,
      from: address(0),
      to: address(4),
      amount: 150_000_000n,
      fee: 10_000n,
    };
    assert.deepEqual(await getAddressHistory(t.rpc, address(4), 10), [expected]);
    assert.deepEqual(await getAddressHistory(t.rpc, address(0), 10), [expected]);
    const one = await result<Array<Record<string, unknown>>>('getblock', [expected.blockHash, 1]);
    assert.deepEqual((one as unknown as Record<string, unknown>)['tx'], [txid]);
  });

  test('history is newest first and honours the limit', async () => {
    const txs = [0n, 1n, 2n].map((i) => transfer(params, KEYS[1]!, KEYS[5]!.address, 10_000n + i, 2_000n, i));
    await sendRawTransaction(t.rpc, txs[0]!);
    assert.equal(await result('submitblock', [blockHex(await solvedBlock(t.node))]), null);
    await sendRawTransaction(t.rpc, txs[1]!);
    await sendRawTransaction(t.rpc, txs[2]!);
    const all = await getAddressHistory(t.rpc, address(5), 100);
    assert.deepEqual(
      all.map((e) => [e.amount, e.height === null]),
      [[10_002n, true], [10_001n, true], [10_000n, false]],
    );
    assert.equal((await getAddressHistory(t.rpc, address(5), 2)).length, 2);
    assert.equal(await rpcCode('getaddresshistory', [address(5), 0]), -8);
  });

  test('refused transfers: -26 with the mempool reason, -22 for bytes that do not decode', async () => {
    const reused = transfer(params, KEYS[0]!, KEYS[4]!.address, 10_000n, 10_000n, 0n);
    await assert.rejects(sendRawTransaction(t.rpc, reused), (err: unknown) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.rpcCode, -26);
      assert.match(err.message, /nonce-too-low/);
      assert.deepEqual(err.data, { reason: 'nonce-too-low' });
      return true;
    });
    const otherChain = signTransfer(
      { chainId: new Uint8Array(32).fill(9), senderPublicKey: KEYS[2]!.publicKey, recipient: KEYS[3]!.address, amount: 10_000n, fee: 10_000n, nonce: 0n },
      KEYS[2]!.secretKey,
    );
    await assert.rejects(sendRawTransaction(t.rpc, otherChain), (err: unknown) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.rpcCode, -26);
      assert.deepEqual(err.data, { reason: 'invalid', verifyCode: 'bad-tx-chainid' });
      return true;
    });
    const poor = transfer(params, KEYS[6]!, KEYS[3]!.address, 10_000n, 10_000n, 0n);
    assert.equal(await rpcCode('sendrawtransaction', [toHex(encodeTransfer(poor))]), -26);
    // The relay policy: no fee, or an amount that is dust.
    for (const [tx, reason] of [
      [transfer(params, KEYS[2]!, KEYS[3]!.address, 10_000n, 0n, 0n), 'fee-rate-too-low'],
      [transfer(params, KEYS[2]!, KEYS[3]!.address, 1n, 10_000n, 0n), 'dust'],
    ] as const) {
      await assert.rejects(sendRawTransaction(t.rpc, tx), (err: unknown) => {
        assert.ok(err instanceof RpcError);
        assert.equal(err.rpcCode, -26);
        assert.deepEqual(err.data, { reason });
        return true;
      });
    }
    assert.equal(await rpcCode('sendrawtransaction', ['00ff']), -22);
  });
});

describe('network and control', () => {
  test('getnetworkinfo and getpeerinfo of a node without peers', async () => {
    const info = await result<Record<string, unknown>>('getnetworkinfo');
    assert.equal(info['networkactive'], true);
    assert.equal(info['peerid'], t.node.network!.peerId);
    assert.deepEqual(info['localaddresses'], t.node.network!.addresses());
    assert.equal(info['connections'], 0);
    assert.equal(info['mdns'], false);
    assert.equal(info['privatenetwork'], false);
    assert.equal(info['subversion'], `/gradientcoin:${t.node.version}/`);
    assert.deepEqual(await result('getpeerinfo'), []);
    assert.ok((await result<number>('uptime')) >= 0);
  });

  test('stop answers, then the node stops: the port closes and the cookie is removed', async () => {
    assert.equal(await result('stop'), 'GradientCoin node stopping');
    assert.equal(await t.node.closed, true);
    await assert.rejects(stat(cookiePath(t.dir)), /ENOENT/);
    await assert.rejects(rpcCall({ port: t.rpc.port, user: 'alice', password: 'secret words' }, 'getblockcount'), (err: unknown) => {
      return err instanceof RpcError && err.code === 'unreachable';
    });
  });
});
