import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyBlock, checkTransferAgainstState, computeStateRoot, mergeAccounts } from '../../consensus/state-transition.ts';
import { MAX_AMOUNT } from '../../consensus/block-rules.ts';
import { isVerifyError, type VerifyCode } from '../../consensus/errors.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { splitReward, subsidy } from '../../consensus/subsidy.ts';
import { buildBlock, childParent, genesisParent, testGenesis, testKeys, transfer } from '../util/fixtures.ts';

const g = testGenesis();
const params = g.params;
const [alice, bob, , miner] = testKeys(4) as [ReturnType<typeof testKeys>[number], ReturnType<typeof testKeys>[number], unknown, ReturnType<typeof testKeys>[number]];
const A = toHexKey(alice.address);
const B = toHexKey(bob.address);
const M = toHexKey(miner.address);

function rejects(fn: () => void, code: VerifyCode): void {
  assert.throws(fn, (err: unknown) => isVerifyError(err, code), `expected ${code}`);
}

test('transfers move balances, bump the nonce, pay fees and the miner share; the pool is burned', () => {
  const parent = genesisParent(g);
  const txs = [transfer(params, alice, bob.address, 300n, 7n, 0n), transfer(params, alice, bob.address, 100n, 3n, 1n)];
  const block = buildBlock(params, parent, { miner: miner.address, txs });
  const fx = applyBlock(params, parent.accounts, block, g.block.header.modelHash);
  const before = g.accounts.get(A)!.balance;
  assert.deepEqual(fx.changed.get(A), { balance: before - 410n, nonce: 2n });
  assert.equal(fx.changed.get(B)!.balance, g.accounts.get(B)!.balance + 400n);
  const { miner: share, pool } = splitReward(subsidy(1, params.rewards), params.rewards.minerShareBps);
  assert.equal(fx.fees, 10n);
  assert.equal(fx.minerReward, share + 10n);
  assert.equal(fx.burned, pool);
  assert.equal(fx.changed.get(M)!.balance, g.accounts.get(M)!.balance + share + 10n);
  assert.deepEqual(fx.previous.get(A), g.accounts.get(A));
  // Supply: allocations + miner share; the pool is gone.
  const total = (m: ReadonlyMap<string, { balance: bigint }>): bigint => [...m.values()].reduce((s, a) => s + a.balance, 0n);
  assert.equal(total(mergeAccounts(g.accounts, fx.changed)), total(g.accounts) + share);
});

test('bad-tx-nonce: the account nonce accepted, one more rejected', () => {
  checkTransferAgainstState(g.accounts, transfer(params, alice, bob.address, 1n, 0n, 0n));
  rejects(() => checkTransferAgainstState(g.accounts, transfer(params, alice, bob.address, 1n, 0n, 1n)), 'bad-tx-nonce');
});

test('bad-tx-balance: spending the exact balance accepted, one unit more rejected', () => {
  const balance = g.accounts.get(A)!.balance;
  checkTransferAgainstState(g.accounts, transfer(params, alice, bob.address, balance - 5n, 5n, 0n));
  rejects(() => checkTransferAgainstState(g.accounts, transfer(params, alice, bob.address, balance - 4n, 5n, 0n)), 'bad-tx-balance');
});

test('bad-tx-overflow: a recipient balance may reach MAX but not pass it', () => {
  const rich = new Map(g.accounts);
  rich.set(B, { balance: MAX_AMOUNT - 10n, nonce: 0n });
  checkTransferAgainstState(rich, transfer(params, alice, bob.address, 10n, 0n, 0n));
  rejects(() => checkTransferAgainstState(rich, transfer(params, alice, bob.address, 11n, 0n, 0n)), 'bad-tx-overflow');
});

test('bad-stateroot and bad-modelhash: one flipped bit is rejected', () => {
  const parent = genesisParent(g);
  const block = buildBlock(params, parent, { miner: miner.address });
  applyBlock(params, parent.accounts, block, g.block.header.modelHash);
  for (const [field, code] of [
    ['stateRoot', 'bad-stateroot'],
    ['modelHash', 'bad-modelhash'],
  ] as const) {
    const v = new Uint8Array(block.header[field]);
    v[31]! ^= 1;
    rejects(() => applyBlock(params, parent.accounts, { ...block, header: { ...block.header, [field]: v } }, g.block.header.modelHash), code);
  }
});

test('a transfer spending funds received earlier in the same block is valid; order matters', () => {
  const parent = genesisParent(g);
  const carol = testKeys(6)[5]!;
  const fund = transfer(params, alice, carol.address, 50n, 0n, 0n);
  const spend = transfer(params, carol, bob.address, 40n, 1n, 0n);
  const block = buildBlock(params, parent, { miner: miner.address, txs: [fund, spend] });
  const fx = applyBlock(params, parent.accounts, block, g.block.header.modelHash);
  assert.deepEqual(fx.changed.get(toHexKey(carol.address)), { balance: 9n, nonce: 1n });
  rejects(() => buildBlock(params, parent, { miner: miner.address, txs: [spend, fund] }), 'bad-tx-balance');
});

test('the state root depends on every account and not on insertion order', () => {
  const a = new Map([[A, { balance: 1n, nonce: 0n }], [B, { balance: 2n, nonce: 0n }]]);
  const b = new Map([[B, { balance: 2n, nonce: 0n }], [A, { balance: 1n, nonce: 0n }]]);
  assert.deepEqual(computeStateRoot(a), computeStateRoot(b));
  const c = new Map([[A, { balance: 1n, nonce: 1n }], [B, { balance: 2n, nonce: 0n }]]);
  assert.notDeepEqual(computeStateRoot(a), computeStateRoot(c));
  // Empty accounts are not part of the state.
  const d = new Map([...a, [M, { balance: 0n, nonce: 0n }]]);
  assert.deepEqual(computeStateRoot(a), computeStateRoot(d));
});

test('a chain of blocks replays to the same root twice', () => {
  const run = (): Uint8Array => {
    let parent = genesisParent(g);
    for (let i = 0; i < 5; i++) {
      const txs = [transfer(params, alice, bob.address, BigInt(i + 1), 1n, BigInt(i))];
      parent = childParent(params, parent, buildBlock(params, parent, { miner: miner.address, txs }));
    }
    return parent.header.stateRoot;
  };
  assert.deepEqual(run(), run());
});
