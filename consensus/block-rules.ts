/**
 * Stateless block rules: what a block must satisfy whatever the state it is applied to. Cheap
 * checks (sizes, counts, roots) run before signatures, so junk costs a validator little.
 */
import { VerifyError } from './errors.ts';
import type { ChainParams } from './params.ts';
import type { Block, Transfer } from './types.ts';
import { contributionsRoot, reportRoot, transferId, txRoot } from './ids.ts';
import { bytesEqual, toHexKey } from './bytes.ts';
import { transferSigHash } from './sighash.ts';
import { verifySignature } from './signature.ts';
import { addressHash } from './address.ts';
import { checkContributions } from './gauntlet/filters.ts';

/** No amount, fee or balance may exceed this: sums of two stay inside uint64. */
export const MAX_AMOUNT = 2n ** 63n - 1n;

/** Rules of a transfer on its own: network, amounts, signature. */
export function checkTransferSanity(params: ChainParams, tx: Transfer): void {
  if (!bytesEqual(tx.chainId, params.chainId)) {
    throw new VerifyError('bad-tx-chainid', 'transfer is signed for another network');
  }
  if (tx.amount === 0n) throw new VerifyError('bad-tx-amount', 'transfer amount is zero');
  if (tx.amount > MAX_AMOUNT) throw new VerifyError('bad-tx-amount', `transfer amount exceeds ${MAX_AMOUNT}`);
  if (tx.fee > MAX_AMOUNT) throw new VerifyError('bad-tx-fee', `transfer fee exceeds ${MAX_AMOUNT}`);
  if (tx.amount + tx.fee > MAX_AMOUNT) throw new VerifyError('bad-tx-overflow', 'amount plus fee exceeds the maximum amount');
  if (bytesEqual(addressHash(tx.senderPublicKey), tx.recipient)) {
    throw new VerifyError('bad-tx-self', 'transfer sends to its own sender');
  }
  if (!verifySignature(tx.signature, transferSigHash(tx), tx.senderPublicKey)) {
    throw new VerifyError('bad-tx-signature', 'transfer signature does not verify');
  }
}

/**
 * The body must be the one the header commits to: transfers, contributions and report against
 * their three roots. A mismatch says nothing about the block the hash names (anyone can pair a
 * valid header with a wrong body), so the error is `malleated`: the sender is blamed, and nothing
 * is stored, cached or marked under the hash. Runs before any other body rule, so that a rule a
 * stripped or padded body breaks is never recorded against the honest block.
 */
export function checkBlockCommitments(block: Block): void {
  const malleated = { malleated: true } as const;
  if (!bytesEqual(txRoot(block), block.header.txRoot)) {
    throw new VerifyError('bad-txroot', 'transfers do not match the header txRoot', 100, malleated);
  }
  if (!bytesEqual(contributionsRoot(block), block.header.contributionsRoot)) {
    throw new VerifyError('bad-contribroot', 'contributions do not match the header contributionsRoot', 100, malleated);
  }
  if (!bytesEqual(reportRoot(block), block.header.reportRoot)) {
    throw new VerifyError('bad-reportroot', 'the report does not match the header reportRoot', 100, malleated);
  }
}

/** Stateless rules of a block: its commitments first, then sizes, counts, filters and signatures. */
export function checkBlockBody(params: ChainParams, block: Block, encodedSize: number): void {
  checkBlockCommitments(block);
  if (encodedSize > params.limits.maxBlockBytes) {
    throw new VerifyError('bad-block-size', `block is ${encodedSize} bytes, the limit is ${params.limits.maxBlockBytes}`);
  }
  if (block.txs.length > params.limits.maxTransfers) {
    throw new VerifyError('bad-txns-count', `block has ${block.txs.length} transfers, the limit is ${params.limits.maxTransfers}`);
  }
  const ids = block.txs.map(transferId);
  const seen = new Set<string>();
  for (const id of ids) {
    const key = toHexKey(id);
    if (seen.has(key)) throw new VerifyError('bad-txns-duplicate', `transfer ${key} appears twice`);
    seen.add(key);
  }
  if (block.contributions.length > params.gauntlet.maxContributions) {
    throw new VerifyError('bad-contribs-count', `block has ${block.contributions.length} contributions, the limit is ${params.gauntlet.maxContributions}`);
  }
  if (block.report.length !== block.contributions.length) {
    throw new VerifyError('bad-report-count', `the report has ${block.report.length} entries, the block ${block.contributions.length} contributions`);
  }
  // The Gauntlet's filters (network, parent, size, order, payload, signature): stateless too.
  checkContributions(params, block);
  for (const tx of block.txs) checkTransferSanity(params, tx);
}
