/**
 * A transfer a reorganisation takes out of the chain for good: the node logs it with its id,
 * remembers it (getdroppedtransfers), and the sender's history shows it as dropped — through a
 * real FullNode, its RPC server and the wallet's RPC calls. The transfer is dropped because the
 * winning branch spends the same nonce with another transfer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { encodeAddress } from '../../chain/address.ts';
import { transferId } from '../../consensus/ids.ts';
import { toHex } from '../../consensus/hash.ts';
import { rpcCall } from '../../src/rpc/client.ts';
import { getAddressHistory } from '../../src/wallet/node-api.ts';
import { historyTable } from '../../src/cli/wallet.ts';
import { DroppedTransfers } from '../../src/node/dropped-transfers.ts';
import { headerHash } from '../../chain/header.ts';
import { buildBlock, childParent, genesisParent, transfer } from '../util/fixtures.ts';
import { blockHex, GENESIS, KEYS, startTestNode } from '../util/node-harness.ts';

const params = GENESIS.params;
const address = (i: number): string => encodeAddress(params.addressPrefix, KEYS[i]!.address);

test('a transfer dropped by a reorganisation is logged with its id, kept by the node, and shown as dropped in the history', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done): void {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const t = await startTestNode({ p2p: false, log: pino({ level: 'warn', base: null }, sink) });
  try {
    const now = Math.floor(t.node.clockMs() / 1000);
    const start = genesisParent(GENESIS);
    const paid = transfer(params, KEYS[0]!, KEYS[4]!.address, 500_000_000n, 10_000n, 0n);
    const rival = transfer(params, KEYS[0]!, KEYS[5]!.address, 100_000_000n, 20_000n, 0n);
    const a1 = buildBlock(params, start, { miner: KEYS[7]!.address, txs: [paid], timestamp: now });
    await rpcCall(t.rpc, 'submitblock', [blockHex(a1)]);
    assert.equal(t.node.chain.getAccount(KEYS[4]!.address).balance, 500_000_000n);

    // A longer branch from the same parent, whose first block spends nonce 0 otherwise.
    const b1 = buildBlock(params, start, { miner: KEYS[6]!.address, txs: [rival], timestamp: now, nonceStart: 77n });
    await rpcCall(t.rpc, 'submitblock', [blockHex(b1)]);
    assert.equal(toHex(t.node.chain.tip().hash), toHex(headerHash(a1.header)), 'b1 is a side branch so far');
    const b2 = buildBlock(params, childParent(params, start, b1), { miner: KEYS[6]!.address, timestamp: now + 1 });
    await rpcCall(t.rpc, 'submitblock', [blockHex(b2)]);
    assert.equal(t.node.chain.tip().height, 2);
    assert.equal(t.node.chain.getAccount(KEYS[4]!.address).balance, 0n, 'the paid transfer left with its block');

    const txid = toHex(transferId(paid));
    await new Promise((resolve) => setImmediate(resolve));
    const logged = lines.find((l) => l['txid'] === txid);
    assert.ok(logged, `a log line names the transfer: ${JSON.stringify(lines)}`);
    assert.match(String(logged['msg']), /transfer dropped by a reorganisation/);
    assert.equal(logged['code'], 'nonce-too-low');
    assert.equal(logged['wasAtHeight'], 1);

    const record = await rpcCall<Record<string, unknown>[]>(t.rpc, 'getdroppedtransfers');
    assert.deepEqual(
      record.map((r) => [r['txid'], r['from'], r['to'], r['amount'], r['height'], r['droppedAtHeight'], r['code']]),
      [[txid, address(0), address(4), '500000000', 1, 2, 'nonce-too-low']],
    );

    for (const who of [0, 4]) {
      const history = await getAddressHistory(t.rpc, address(who), 10);
      const dropped = history.filter((e) => e.status === 'dropped');
      assert.deepEqual(dropped.map((e) => [e.txid, e.droppedAtHeight]), [[txid, 2]], `history of key ${who}`);
      assert.match(dropped[0]!.reason ?? '', /^nonce-too-low: /);
    }
    const table = historyTable(address(0), await getAddressHistory(t.rpc, address(0), 10));
    assert.ok(table.some((row) => row.startsWith('dropped') && row.endsWith(txid)), table.join('\n'));
    assert.ok(table.some((row) => /^\s+1\s/.test(row) && row.endsWith(toHex(transferId(rival)))), 'the rival is confirmed at height 1');
  } finally {
    await t.close();
  }
});

test('the record is bounded: the oldest is forgotten first', () => {
  const record = new DroppedTransfers(2);
  const tx = transfer(params, KEYS[0]!, KEYS[4]!.address, 1n, 0n, 0n);
  for (const height of [1, 2, 3]) record.add({ id: transferId(tx), tx, height, droppedAtHeight: height + 1, droppedAtMs: 0, code: 'x', reason: 'y' });
  assert.deepEqual(record.list().map((r) => r.height), [3, 2]);
  assert.throws(() => new DroppedTransfers(0), /positive limit/);
});
