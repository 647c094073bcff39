/**
 * Identifiers and Merkle roots of block contents, defined over fixed-width binary images of the
 * values (not the wire encoding), so the rules need no parser and a wire-format change cannot
 * change an id.
 */
import { taggedHash } from './hash.ts';
import { payloadHash } from './payload-hash.ts';
import { merkleLeaf, merkleRoot } from './merkle.ts';
import { concat, u64be } from './sighash.ts';
import type { Block, Contribution, ReportEntry, Transfer } from './types.ts';

export function transferId(tx: Transfer): Uint8Array {
  return taggedHash(
    'txid',
    concat([tx.chainId, tx.senderPublicKey, tx.recipient, u64be(tx.amount), u64be(tx.fee), u64be(tx.nonce), tx.signature]),
  );
}

export function contributionId(c: Contribution): Uint8Array {
  return taggedHash(
    'contribution-id',
    concat([c.chainId, c.contributorPublicKey, c.parentHash, payloadHash(c.payload), u64be(c.stamp), c.signature]),
  );
}

function f64be(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, value, false);
  return out;
}

export function reportEntryLeaf(e: ReportEntry): Uint8Array {
  return merkleLeaf(
    concat([
      e.contributor,
      f64be(e.lossOwnBefore),
      f64be(e.lossOwnAfter),
      f64be(e.lossRandBefore),
      f64be(e.lossRandAfter),
      f64be(e.score),
      new Uint8Array([e.indicator > 0 ? 1 : 0, e.aggregated ? 1 : 0]),
      f64be(e.weight),
      u64be(e.reward),
    ]),
  );
}

export function txRoot(block: Pick<Block, 'txs'>): Uint8Array {
  return merkleRoot(block.txs.map(transferId));
}

export function contributionsRoot(block: Pick<Block, 'contributions'>): Uint8Array {
  return merkleRoot(block.contributions.map(contributionId));
}

export function reportRoot(block: Pick<Block, 'report'>): Uint8Array {
  return merkleRoot(block.report.map(reportEntryLeaf));
}
