import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Account, Block, Transfer } from '../../consensus/types.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { transferId } from '../../consensus/ids.ts';
import { applyBlock } from '../../consensus/state-transition.ts';
import { encodeTransfer } from '../../chain/tx.ts';
import { DEFAULT_MIN_FEE_RATE, dustAmount, Mempool, type MempoolOptions } from '../../src/mempool/mempool.ts';
import { MempoolError, type MempoolCode } from '../../src/mempool/errors.ts';
import { testGenesis, testKeys, testParams, transfer, type TestKey } from '../util/fixtures.ts';

const params = testParams();
const keys = testKeys(8);
const key = (k: TestKey): string => toHexKey(k.address);

function accounts(entries: readonly [TestKey, bigint, bigint?][]): Map<string, Account> {
  return new Map(entries.map(([k, balance, nonce]) => [key(k), { balance, nonce: nonce ?? 0n }]));
}

/**
 * Most tests here exercise ordering, gaps, balances and eviction with small round numbers, so their
 * pools relay for free; the relay-policy test below runs with the defaults.
 */
const FREE: MempoolOptions = { minFeeRate: 0n, dustAmount: 0n };
const freePool = (state: Map<string, Account>, options: MempoolOptions = {}): Mempool => new Mempool(params, state, { ...FREE, ...options });

const pay = (from: number, nonce: bigint, fee: bigint, amount = 100n, to = 7): Transfer =>
  transfer(params, keys[from]!, keys[to]!.address, amount, fee, nonce);

function refuses(fn: () => unknown, code: MempoolCode): void {
  assert.throws(fn, (err: unknown) => err instanceof MempoolError && err.code === code, `expected ${code}`);
}

const nonces = (txs: readonly Transfer[]): string[] => txs.map((tx) => `${keys.findIndex((k) => toHexKey(k.publicKey) === toHexKey(tx.senderPublicKey))}:${tx.nonce}`);

/** The mempool reads only a block's transfers; the header is any header. */
const blockOf = (txs: readonly Transfer[]): Block => ({ header: testGenesis().block.header, txs, contributions: [], report: [] });

test('nonce order: a transfer ahead of the account waits for the gap to fill', () => {
  const pool = freePool(accounts([[keys[0]!, 10_000n, 3n]]));
  pool.add(pay(0, 4n, 5n));
  assert.deepEqual(pool.selectForBlock(10), [], 'nonce 4 cannot go before 3');
  assert.equal(pool.nextNonce(keys[0]!.address), 3n);
  pool.add(pay(0, 3n, 1n));
  assert.deepEqual(nonces(pool.selectForBlock(10)), ['0:3', '0:4']);
  assert.equal(pool.nextNonce(keys[0]!.address), 5n);
  assert.deepEqual(nonces(pool.pending(keys[0]!.address)), ['0:3', '0:4']);
  refuses(() => pool.add(pay(0, 2n, 9n)), 'nonce-too-low');
  refuses(() => pool.add(pay(0, 4n, 5n)), 'duplicate');
});

test('gaps: held up to maxPerSender past the account nonce, refused beyond', () => {
  const pool = freePool(accounts([[keys[0]!, 10_000n]]), { maxPerSender: 4 });
  pool.add(pay(0, 3n, 1n));
  refuses(() => pool.add(pay(0, 4n, 1n)), 'nonce-too-high');
  pool.add(pay(0, 0n, 1n));
  assert.deepEqual(nonces(pool.selectForBlock(10)), ['0:0']);
  pool.add(pay(0, 1n, 1n));
  pool.add(pay(0, 2n, 1n));
  assert.deepEqual(nonces(pool.selectForBlock(10)), ['0:0', '0:1', '0:2', '0:3']);
});

test('balance: every pending transfer of a sender must be payable after the ones before it', () => {
  const pool = freePool(accounts([[keys[0]!, 1_000n]]));
  pool.add(pay(0, 0n, 10n, 500n));
  pool.add(pay(0, 1n, 10n, 400n));
  refuses(() => pool.add(pay(0, 2n, 10n, 100n)), 'insufficient-balance');
  // Beyond a gap the earlier pending ones still count.
  refuses(() => pool.add(pay(0, 5n, 10n, 100n)), 'insufficient-balance');
  pool.add(pay(0, 2n, 0n, 60n));
  // A replacement that would leave a later transfer unpaid is refused too.
  refuses(() => pool.add(pay(0, 0n, 11n, 520n)), 'insufficient-balance');
  const empty = freePool(new Map());
  refuses(() => empty.add(pay(3, 0n, 0n, 1n)), 'insufficient-balance');
});

test('stateless rules: a bad signature or another network is invalid, with the rule named', () => {
  const pool = freePool(accounts([[keys[0]!, 1_000n]]));
  const tx = pay(0, 0n, 1n);
  const forged = { ...tx, amount: 101n };
  assert.throws(
    () => pool.add(forged),
    (err: unknown) => err instanceof MempoolError && err.code === 'invalid' && err.verifyCode === 'bad-tx-signature',
  );
  const otherNet = transfer({ ...params, chainId: new Uint8Array(32).fill(1) }, keys[0]!, keys[1]!.address, 1n, 1n, 0n);
  assert.throws(() => pool.add(otherNet), (err: unknown) => err instanceof MempoolError && err.verifyCode === 'bad-tx-chainid');
  assert.equal(pool.size, 0);
});

test('replace-by-fee: same sender and nonce, strictly higher fee only', () => {
  const pool = freePool(accounts([[keys[0]!, 10_000n]]));
  const first = pay(0, 0n, 10n);
  pool.add(first);
  refuses(() => pool.add(pay(0, 0n, 10n, 99n)), 'replacement-fee-too-low');
  refuses(() => pool.add(pay(0, 0n, 9n, 99n)), 'replacement-fee-too-low');
  const better = pay(0, 0n, 11n, 99n);
  const result = pool.add(better);
  assert.deepEqual(result.replaced, first);
  assert.equal(pool.size, 1);
  assert.ok(!pool.has(transferId(first)));
  assert.deepEqual(pool.get(result.id), better);
  assert.equal(pool.bytes, encodeTransfer(better).length);
});

test('eviction: a full pool drops the lowest fee rate among senders\' last transfers, or refuses', () => {
  const size = encodeTransfer(pay(0, 0n, 1n)).length;
  const funded = accounts(keys.slice(0, 6).map((k) => [k, 10_000n] as [TestKey, bigint]));
  const pool = freePool(funded, { maxBytes: 3 * size });
  pool.add(pay(0, 0n, 3n));
  pool.add(pay(1, 0n, 1n));
  pool.add(pay(1, 1n, 2n));
  assert.equal(pool.bytes, 3 * size);
  // Sender 1's last (fee 2) is the cheapest leaf: sender 0's single transfer pays 3; the fee-1
  // transfer is not a leaf (evicting it would leave a gap).
  pool.add(pay(2, 0n, 5n));
  assert.deepEqual(nonces(pool.all()).sort(), ['0:0', '1:0', '2:0']);
  refuses(() => pool.add(pay(3, 0n, 1n)), 'mempool-full');
  pool.add(pay(3, 0n, 2n));
  assert.deepEqual(nonces(pool.all()).sort(), ['0:0', '2:0', '3:0']);
  assert.equal(pool.bytes, 3 * size);
});

test('selectForBlock: highest fee first across senders, each sender in nonce order, ties by arrival', () => {
  const pool = freePool(accounts([[keys[0]!, 10_000n], [keys[1]!, 10_000n], [keys[2]!, 10_000n]]));
  pool.add(pay(0, 1n, 50n));
  pool.add(pay(0, 0n, 1n));
  pool.add(pay(1, 0n, 5n));
  pool.add(pay(2, 0n, 5n));
  pool.add(pay(2, 1n, 7n));
  assert.deepEqual(nonces(pool.selectForBlock(10)), ['1:0', '2:0', '2:1', '0:0', '0:1']);
  assert.deepEqual(nonces(pool.selectForBlock(2)), ['1:0', '2:0']);
  assert.deepEqual(pool.selectForBlock(0), []);
});

test('onReorg: included transfers leave, disconnected ones come back if still valid, the rest is rechecked', () => {
  const before = accounts([[keys[0]!, 1_000n], [keys[1]!, 1_000n]]);
  const pool = freePool(before);
  const a0 = pay(0, 0n, 1n, 100n);
  const a1 = pay(0, 1n, 1n, 100n);
  const b0 = pay(1, 0n, 1n, 100n);
  for (const tx of [a0, a1, b0]) pool.add(tx);

  // A block includes a0 and b0: sender 0 moves to nonce 1, sender 1 to nonce 1.
  const after = accounts([
    [keys[0]!, 899n, 1n],
    [keys[1]!, 899n, 1n],
  ]);
  pool.onReorg([], [blockOf([a0, b0])], after);
  assert.deepEqual(nonces(pool.all()), ['0:1']);

  // A reorg takes that block off and puts on one where sender 0 spent almost everything with
  // another nonce-0 transfer: a0 and b0 come back only if they are still valid (b0 is).
  const spendAll = pay(0, 0n, 1n, 990n, 2);
  const reorged = accounts([
    [keys[0]!, 9n, 1n],
    [keys[1]!, 1_000n, 0n],
  ]);
  pool.onReorg([blockOf([a0, b0])], [blockOf([spendAll])], reorged);
  // a1 (100 + 1) is no longer payable from 9; a0 conflicts with spendAll's nonce.
  assert.deepEqual(nonces(pool.all()), ['1:0']);
  assert.deepEqual(nonces(pool.selectForBlock(10)), ['1:0']);
});

test('property: whatever is offered, the pool stays within its bound and selects a block that applies', () => {
  const funded = accounts(keys.slice(0, 3).map((k, i) => [k, BigInt(500 + 300 * i)] as [TestKey, bigint]));
  const size = encodeTransfer(pay(0, 0n, 1n)).length;
  const offer = fc.record({ from: fc.nat(2), nonce: fc.nat(5), fee: fc.nat(30), amount: fc.integer({ min: 1, max: 400 }) });
  fc.assert(
    fc.property(fc.array(offer, { maxLength: 14 }), fc.integer({ min: 2, max: 8 }), (offers, slots) => {
      const pool = freePool(funded, { maxBytes: slots * size, maxPerSender: 4 });
      for (const o of offers) {
        try {
          pool.add(pay(o.from, BigInt(o.nonce), BigInt(o.fee), BigInt(o.amount)));
        } catch (err) {
          if (!(err instanceof MempoolError)) throw err;
        }
        assert.ok(pool.bytes <= slots * size);
      }
      const selected = pool.selectForBlock(100);
      const header = { ...testGenesis().block.header, height: 1 };
      // Throws VerifyError if any selected transfer is out of order or unpayable.
      applyBlock(params, funded, { header, txs: selected, contributions: [], report: [] }, header.modelHash, { verifyRoots: false });
    }),
    { numRuns: 25 },
  );
});

test('relay policy: zero-fee, low-fee-rate and dust transfers are refused with their codes', () => {
  const pool = new Mempool(params, accounts([[keys[0]!, 100_000_000n]]));
  const size = BigInt(encodeTransfer(pay(0, 0n, 0n)).length);
  const minFee = DEFAULT_MIN_FEE_RATE * size;
  const dust = dustAmount(DEFAULT_MIN_FEE_RATE);
  assert.equal(pool.options.minFeeRate, DEFAULT_MIN_FEE_RATE);
  assert.equal(pool.options.dustAmount, dust);
  assert.equal(dust, 3n * minFee, 'dust is three times the fee of the transfer that would spend it');
  refuses(() => pool.add(pay(0, 0n, 0n, 1_000_000n)), 'fee-rate-too-low');
  refuses(() => pool.add(pay(0, 0n, minFee - 1n, 1_000_000n)), 'fee-rate-too-low');
  refuses(() => pool.add(pay(0, 0n, minFee, 1n)), 'dust');
  refuses(() => pool.add(pay(0, 0n, minFee, dust - 1n)), 'dust');
  assert.equal(pool.size, 0);
  pool.add(pay(0, 0n, minFee, dust));
  assert.equal(pool.size, 1);
  // The messages say what was refused and why.
  assert.throws(() => pool.add(pay(0, 1n, 0n, dust)), /fee-rate-too-low: fee 0 for 184 bytes is below the minimum relay fee rate of 10 per byte/);
  assert.throws(() => pool.add(pay(0, 1n, minFee, 5n)), /dust: amount 5 is dust: the smallest amount relayed is 5520/);
  // A higher rate raises both thresholds; negative settings are refused.
  const strict = new Mempool(params, accounts([[keys[0]!, 100_000_000n]]), { minFeeRate: 100n });
  assert.equal(strict.options.dustAmount, dustAmount(100n));
  refuses(() => strict.add(pay(0, 0n, minFee, 1_000_000n)), 'fee-rate-too-low');
  assert.throws(() => new Mempool(params, new Map(), { minFeeRate: -1n }), /minFeeRate must not be negative/);
});
