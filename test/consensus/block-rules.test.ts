import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkBlockBody, checkTransferSanity, MAX_AMOUNT } from '../../consensus/block-rules.ts';
import { isVerifyError, type VerifyCode } from '../../consensus/errors.ts';
import type { Block, Transfer } from '../../consensus/types.ts';
import { encodeBlock } from '../../chain/block.ts';
import { signTransfer } from '../../chain/tx.ts';
import { signContribution } from '../../chain/contribution.ts';
import { contributionsRoot, reportRoot, txRoot } from '../../consensus/ids.ts';
import { compareBytes } from '../../consensus/state-root.ts';
import { encodePseudoGradient } from '../../trainer/codec.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { buildBlock, genesisParent, testGenesis, testKeys, transfer } from '../util/fixtures.ts';

const g = testGenesis();
const params = g.params;
const [alice, bob] = testKeys(2) as [ReturnType<typeof testKeys>[number], ReturnType<typeof testKeys>[number]];

function rejects(fn: () => void, code: VerifyCode): void {
  assert.throws(fn, (err: unknown) => isVerifyError(err, code), `expected ${code}`);
}

function blockWith(txs: Transfer[]): Block {
  return buildBlock(params, genesisParent(g), { miner: alice.address, txs });
}

function sized(block: Block): number {
  return encodeBlock(block).length;
}

function resign(tx: Omit<Transfer, 'signature'>): Transfer {
  return signTransfer(tx, alice.secretKey);
}

test('a block with transfers passes', () => {
  const b = blockWith([transfer(params, alice, bob.address, 5n, 1n, 0n)]);
  checkBlockBody(params, b, sized(b));
});

test('bad-block-size: exactly the limit accepted, one byte more rejected', () => {
  const b = blockWith([]);
  const p = { ...params, limits: { ...params.limits, maxBlockBytes: sized(b) } };
  checkBlockBody(p, b, sized(b));
  rejects(() => checkBlockBody(p, b, sized(b) + 1), 'bad-block-size');
});

test('bad-txns-count: maxTransfers accepted, one more rejected', () => {
  const txs = [0n, 1n, 2n].map((n) => transfer(params, alice, bob.address, 1n, 0n, n));
  const p = { ...params, limits: { ...params.limits, maxTransfers: 3 } };
  const ok = blockWith(txs);
  checkBlockBody(p, ok, sized(ok));
  const over = blockWith([...txs, transfer(params, alice, bob.address, 1n, 0n, 3n)]);
  rejects(() => checkBlockBody(p, over, sized(over)), 'bad-txns-count');
});

test('bad-txns-duplicate: the same transfer twice is rejected', () => {
  const tx = transfer(params, alice, bob.address, 1n, 0n, 0n);
  const b = blockWith([tx]);
  const dup = { ...b, txs: [tx, tx] };
  const withRoot = { ...dup, header: { ...dup.header, txRoot: txRoot(dup) } };
  rejects(() => checkBlockBody(params, withRoot, sized(withRoot)), 'bad-txns-duplicate');
});

test('bad-txroot, bad-contribroot, bad-reportroot: any root off by one bit is rejected', () => {
  const b = blockWith([transfer(params, alice, bob.address, 1n, 0n, 0n)]);
  for (const [field, code] of [
    ['txRoot', 'bad-txroot'],
    ['contributionsRoot', 'bad-contribroot'],
    ['reportRoot', 'bad-reportroot'],
  ] as const) {
    const root = new Uint8Array(b.header[field]);
    root[0]! ^= 1;
    const bad = { ...b, header: { ...b.header, [field]: root } };
    rejects(() => checkBlockBody(params, bad, sized(bad)), code);
  }
});

/** Block 1 with signed contributions and a report of the right length (roots recomputed). */
function withContributions(n: number, reportLength = n): Block {
  const b = blockWith([]);
  const keys = testKeys(n).sort((x, y) => compareBytes(x.address, y.address));
  const contributions = keys.map((k, i) => {
    const delta = new Float32Array(paramLayout(params.model).total);
    delta[i * 1000] = 0.01;
    const { payload } = encodePseudoGradient(delta, { chunkSize: params.gauntlet.codecChunkSize, topK: params.gauntlet.codecTopK });
    return signContribution({ chainId: params.chainId, contributorPublicKey: k.publicKey, parentHash: g.hash, payload }, k.secretKey, params.gauntlet.stampBits);
  });
  const report = Array.from({ length: reportLength }, (_, i) => ({
    contributor: keys[Math.min(i, n - 1)]?.address ?? new Uint8Array(20),
    lossOwnBefore: 1,
    lossOwnAfter: 1,
    lossRandBefore: 1,
    lossRandAfter: 1,
    score: 0,
    indicator: -1,
    weight: 0,
    reward: 0n,
    aggregated: false,
  }));
  const body = { txs: b.txs, contributions, report };
  return { ...body, header: { ...b.header, contributionsRoot: contributionsRoot(body), reportRoot: reportRoot(body) } };
}

test('contributions and their report pass the stateless rules; the Gauntlet filters run on them', () => {
  const b = withContributions(3);
  checkBlockBody(params, b, sized(b));
  const sig = new Uint8Array(b.contributions[1]!.signature);
  sig[0]! ^= 1;
  const contributions = b.contributions.map((c, i) => (i === 1 ? { ...c, signature: sig } : c));
  const bad = { ...b, contributions, header: { ...b.header, contributionsRoot: contributionsRoot({ contributions }) } };
  rejects(() => checkBlockBody(params, bad, sized(bad)), 'bad-contrib-signature');
});

test('bad-contribs-count: maxContributions accepted, one more rejected', () => {
  const p = { ...params, gauntlet: { ...params.gauntlet, maxContributions: 3 } };
  const ok = withContributions(3);
  checkBlockBody(p, ok, sized(ok));
  const over = withContributions(4);
  rejects(() => checkBlockBody(p, over, sized(over)), 'bad-contribs-count');
});

test('bad-report-count: the report has exactly one entry per contribution', () => {
  for (const [n, entries] of [[2, 1], [2, 3], [0, 1]] as const) {
    const b = withContributions(n, entries);
    rejects(() => checkBlockBody(params, b, sized(b)), 'bad-report-count');
  }
});

test('bad-tx-chainid: a transfer signed for another network is rejected', () => {
  const tx = resign({ chainId: new Uint8Array(32).fill(7), senderPublicKey: alice.publicKey, recipient: bob.address, amount: 1n, fee: 0n, nonce: 0n });
  rejects(() => checkTransferSanity(params, tx), 'bad-tx-chainid');
});

test('bad-tx-signature: a flipped bit in the signature or the amount is rejected', () => {
  const tx = transfer(params, alice, bob.address, 1n, 0n, 0n);
  const sig = new Uint8Array(tx.signature);
  sig[10]! ^= 1;
  rejects(() => checkTransferSanity(params, { ...tx, signature: sig }), 'bad-tx-signature');
  rejects(() => checkTransferSanity(params, { ...tx, amount: 2n }), 'bad-tx-signature');
});

test('bad-tx-amount: 1 accepted, 0 rejected; MAX accepted, MAX+1 rejected', () => {
  const base = { chainId: params.chainId, senderPublicKey: alice.publicKey, recipient: bob.address, fee: 0n, nonce: 0n };
  checkTransferSanity(params, resign({ ...base, amount: 1n }));
  rejects(() => checkTransferSanity(params, resign({ ...base, amount: 0n })), 'bad-tx-amount');
  checkTransferSanity(params, resign({ ...base, amount: MAX_AMOUNT }));
  rejects(() => checkTransferSanity(params, resign({ ...base, amount: MAX_AMOUNT + 1n })), 'bad-tx-amount');
});

test('bad-tx-fee and bad-tx-overflow: fee ≤ MAX and amount + fee ≤ MAX', () => {
  const base = { chainId: params.chainId, senderPublicKey: alice.publicKey, recipient: bob.address, nonce: 0n };
  rejects(() => checkTransferSanity(params, resign({ ...base, amount: 1n, fee: MAX_AMOUNT + 1n })), 'bad-tx-fee');
  checkTransferSanity(params, resign({ ...base, amount: 1n, fee: MAX_AMOUNT - 1n }));
  rejects(() => checkTransferSanity(params, resign({ ...base, amount: 1n, fee: MAX_AMOUNT })), 'bad-tx-overflow');
});

test('bad-tx-self: a transfer to its own sender is rejected', () => {
  rejects(() => checkTransferSanity(params, transfer(params, alice, alice.address, 1n, 0n, 0n)), 'bad-tx-self');
});
