/**
 * The work stamp: the admission cost of a contribution, payable by a newcomer without coins.
 *
 *   stampHash = taggedHash("stamp", parentHash ‖ contributorPublicKey ‖ taggedHash("payload", payload) ‖ stamp u64be)
 *
 * must have at least the genesis' stampBits leading zero bits. The hash binds the stamp to the
 * parent (it cannot be reused for the next block), to the contributor (a thief who re-signs
 * someone's payload pays for its own stamp) and to the payload (one stamp, one payload). Checking
 * costs one hash, so the filters, the pool and gossip check it before decoding the payload.
 *
 * The stamp's work (its leading zero bits, which can exceed the minimum) is what pools and
 * templates rank newcomers by once ratings are equal (src/gauntlet/contribution-value.ts).
 */
import { VerifyError } from '../errors.ts';
import { taggedHash } from '../hash.ts';
import { payloadHash } from '../payload-hash.ts';
import { concat, u64be } from '../sighash.ts';
import type { Contribution } from '../types.ts';

/** The fields a stamp is bound to. */
export type StampedFields = Pick<Contribution, 'parentHash' | 'contributorPublicKey' | 'payload'>;

const U64_MAX = (1n << 64n) - 1n;

/** The stamp's hash prefix for these fields: everything but the nonce. */
function stampPrefix(c: StampedFields): Uint8Array {
  return concat([c.parentHash, c.contributorPublicKey, payloadHash(c.payload)]);
}

export function stampHash(c: StampedFields & Pick<Contribution, 'stamp'>): Uint8Array {
  return taggedHash('stamp', concat([stampPrefix(c), u64be(c.stamp)]));
}

/** Leading zero bits of a hash (0 to 256). */
export function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** The work a contribution's stamp shows: its hash's leading zero bits. */
export function stampWork(c: StampedFields & Pick<Contribution, 'stamp'>): number {
  return leadingZeroBits(stampHash(c));
}

/** Throws bad-contrib-stamp unless the stamp has at least `bits` leading zero bits. */
export function checkStamp(bits: number, c: StampedFields & Pick<Contribution, 'stamp'>, at = 'contribution'): void {
  const work = stampWork(c);
  if (work < bits) throw new VerifyError('bad-contrib-stamp', `${at}'s work stamp has ${work} leading zero bits, the network requires ${bits}`);
}

/**
 * The first nonce from `start` whose stamp has `bits` leading zero bits (about 2^bits hashes).
 * Not consensus: any valid nonce will do.
 */
export function findStamp(bits: number, c: StampedFields, start = 0n): bigint {
  if (!Number.isInteger(bits) || bits < 0 || bits > 64) throw new RangeError(`stamp bits must be an integer from 0 to 64, got ${bits}`);
  const prefix = stampPrefix(c);
  const image = new Uint8Array(prefix.length + 8);
  image.set(prefix);
  const view = new DataView(image.buffer);
  for (let nonce = start; nonce <= U64_MAX; nonce++) {
    view.setBigUint64(prefix.length, nonce, false);
    if (leadingZeroBits(taggedHash('stamp', image)) >= bits) return nonce;
  }
  throw new RangeError('no stamp nonce left below 2^64');
}
