/**
 * The bytes a signer signs. Fixed-width binary, independent of the wire encoding, so that
 * signature rules need no parser: tag ‖ fields in declared order, integers as big-endian uint64.
 */
import { taggedHash } from './hash.ts';
import { payloadHash } from './payload-hash.ts';
import type { Contribution, Transfer } from './types.ts';

function u64be(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function transferSigHash(tx: Omit<Transfer, 'signature'>): Uint8Array {
  return taggedHash(
    'transfer',
    concat([tx.chainId, tx.senderPublicKey, tx.recipient, u64be(tx.amount), u64be(tx.fee), u64be(tx.nonce)]),
  );
}

/** What the contributor signs; the work stamp is not signed (it is bound to the same fields by its own hash). */
export function contributionSigHash(c: Pick<Contribution, 'chainId' | 'contributorPublicKey' | 'parentHash' | 'payload'>): Uint8Array {
  return taggedHash(
    'contribution',
    concat([c.chainId, c.contributorPublicKey, c.parentHash, payloadHash(c.payload)]),
  );
}

export { concat, u64be };
