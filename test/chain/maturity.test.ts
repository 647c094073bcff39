/**
 * Reward maturity through the real chain on LevelDB: a block's rewards enter the balances M blocks
 * later, a transfer spending them earlier is refused with bad-tx-balance, and a reorganisation
 * shallower than M leaves a matured reward where it was.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../chain/chain.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { earnedRewards, maturingHeight, spendableFrom } from '../../consensus/maturity.ts';
import { checkTransferAgainstState } from '../../consensus/state-transition.ts';
import { splitReward, subsidy } from '../../consensus/subsidy.ts';
import { toHexKey } from '../../consensus/bytes.ts';
import { buildBlock, testGenesis, testGenesisParams, testKeys, transfer } from '../util/fixtures.ts';
import { COIN } from '../../consensus/subsidy.ts';

const M = 3;
const base = testGenesisParams();
const genesis = testGenesis({ rewards: { ...base.rewards, maturity: M } });
const params = genesis.params;
const [funded, , , , miner, other, recipient] = testKeys(7);
const minerShare = splitReward(subsidy(1, params.rewards), params.rewards.minerShareBps).miner;

const root = mkdtempSync(join(tmpdir(), 'gc-maturity-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const clock = (): number => genesis.block.header.timestamp + 3600;
const openChain = (): Promise<Chain> => Chain.open({ location: join(root, String(dirs++)), genesis, clock });

async function mine(chain: Chain, by: Uint8Array, nonceStart = 0n): Promise<void> {
  await chain.addBlock(buildBlock(params, chain.tipState(), { miner: by, nonceStart }));
}

test('the genesis field is read, and the first blocks credit nothing', () => {
  assert.equal(params.rewards.maturity, M);
  assert.equal(maturingHeight(params, M), null);
  assert.equal(maturingHeight(params, M + 1), 1);
  assert.equal(spendableFrom(params, 5), 5 + M);
  assert.notEqual(genesis.hash.join(), testGenesis().hash.join(), 'maturity is part of the chain id');
});

test('a block reward enters the balance at height h + M, not before', async () => {
  const chain = await openChain();
  try {
    await mine(chain, miner!.address);
    for (let h = 2; h <= M; h++) {
      await mine(chain, other!.address);
      assert.equal(chain.getAccount(miner!.address).balance, 0n, `immature at height ${h}`);
    }
    assert.equal(toHexKey(chain.tipState().maturing!.miner.address), toHexKey(miner!.address));
    await mine(chain, other!.address);
    assert.equal(chain.height(), M + 1);
    assert.equal(chain.getAccount(miner!.address).balance, minerShare, 'block 1 matured at height 1 + M');
  } finally {
    await chain.close();
  }
});

test('spending a reward before it matured is refused with bad-tx-balance, by the mempool rule and in a block', async () => {
  const chain = await openChain();
  try {
    await mine(chain, miner!.address);
    const spend = transfer(params, miner!, recipient!.address, COIN, 1000n, 0n);
    assert.throws(() => checkTransferAgainstState(chain.accounts(), spend), (err: unknown) => isVerifyError(err, 'bad-tx-balance'));
    // A miner that credits at once would build this block; every node refuses it.
    const credited = new Map(chain.accounts());
    credited.set(toHexKey(miner!.address), { balance: minerShare, nonce: 0n });
    const cheat = buildBlock(params, { ...chain.tipState(), accounts: credited }, { miner: miner!.address, txs: [spend] });
    await assert.rejects(chain.addBlock(cheat), (err: unknown) => isVerifyError(err, 'bad-tx-balance'));
    assert.equal(chain.height(), 1);
  } finally {
    await chain.close();
  }
});

test('a reorganisation shallower than M keeps a matured, spent reward', async () => {
  const chain = await openChain();
  try {
    await mine(chain, miner!.address);
    for (let h = 2; h <= M + 1; h++) await mine(chain, other!.address);
    const spend = transfer(params, miner!, recipient!.address, minerShare / 2n, 1000n, 0n);
    const forkParent = chain.tipState();
    await chain.addBlock(buildBlock(params, forkParent, { miner: other!.address, txs: [spend] }));
    assert.equal(chain.getAccount(recipient!.address).balance, minerShare / 2n);
    // A competing branch of two blocks from the same parent replaces the block with the transfer;
    // it is built on a scratch chain that follows that branch.
    const scratch = await openChain();
    let second;
    try {
      for (let h = 1; h <= M + 1; h++) await scratch.addBlock((await chain.getBlock(chain.getHashAtHeight(h)!))!);
      const first = buildBlock(params, scratch.tipState(), { miner: funded!.address, nonceStart: 1000n });
      await scratch.addBlock(first);
      await chain.addBlock(first);
      second = buildBlock(params, scratch.tipState(), { miner: funded!.address });
    } finally {
      await scratch.close();
    }
    const result = await chain.addBlock(second);
    assert.equal(result.status, 'reorganized');
    assert.equal(chain.getAccount(recipient!.address).balance, 0n, 'the transfer left with its block');
    assert.equal(chain.getAccount(miner!.address).balance, minerShare, 'the matured reward stayed: the transfer can be mined again');
    checkTransferAgainstState(chain.accounts(), spend);
    const earned = earnedRewards(params, (await chain.getBlock(chain.getHashAtHeight(1)!))!);
    assert.equal(earned.miner.amount, minerShare);
  } finally {
    await chain.close();
  }
});

test('genesis.json: rewards.maturity is optional, and a bad value is named by its path', async () => {
  const { readFile } = await import('node:fs/promises');
  const { DEFAULT_GENESIS_PATH } = await import('../../chain/genesis.ts');
  const { GenesisError, parseGenesis } = await import('../../chain/genesis-json.ts');
  const json = JSON.parse(await readFile(DEFAULT_GENESIS_PATH, 'utf8')) as { rewards: Record<string, unknown> };
  assert.equal(parseGenesis(json).rewards.maturity, 3, "the repository's network");
  const { maturity: _m, ...older } = json.rewards;
  assert.equal(parseGenesis({ ...json, rewards: older }).rewards.maturity, undefined, 'a genesis made before the rule');
  for (const bad of [-1, 1.5, '3', 10_001]) {
    assert.throws(() => parseGenesis({ ...json, rewards: { ...json.rewards, maturity: bad } }), (err: unknown) => err instanceof GenesisError && err.field === 'rewards.maturity');
  }
});
