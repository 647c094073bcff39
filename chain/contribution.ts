/** Contributions on the wire: canonical msgpack [chainId, contributor, parent, payload, stamp, sig]. */
import type { Contribution } from '../consensus/types.ts';
import { contributionSigHash } from '../consensus/sighash.ts';
import { findStamp } from '../consensus/gauntlet/stamp.ts';
import { decode, encode, type Encodable } from './encoding.ts';
import { readArray, readBytes, readU64 } from './fields.ts';
import { sign } from './keys.ts';

/** Upper bound on a payload; the genesis may set a lower one, which validation enforces. */
export const MAX_PAYLOAD_BYTES = 1 << 20;
export const MAX_CONTRIBUTION_BYTES = MAX_PAYLOAD_BYTES + 256;

export function contributionToValue(c: Contribution): Encodable {
  return [c.chainId, c.contributorPublicKey, c.parentHash, c.payload, c.stamp, c.signature];
}

export function contributionFromValue(value: unknown, what = 'contribution'): Contribution {
  const f = readArray(value, 6, what);
  return Object.freeze({
    chainId: readBytes(f[0], `${what}.chainId`, 32),
    contributorPublicKey: readBytes(f[1], `${what}.contributor`, 32),
    parentHash: readBytes(f[2], `${what}.parentHash`, 32),
    payload: readBytes(f[3], `${what}.payload`, undefined, MAX_PAYLOAD_BYTES),
    stamp: readU64(f[4], `${what}.stamp`),
    signature: readBytes(f[5], `${what}.signature`, 64),
  });
}

export function encodeContribution(c: Contribution): Uint8Array {
  return encode(contributionToValue(c));
}

export function decodeContribution(bytes: Uint8Array): Contribution {
  return contributionFromValue(decode(bytes, MAX_CONTRIBUTION_BYTES, 'contribution'), 'contribution');
}

export { contributionId } from '../consensus/ids.ts';

/**
 * Signs a payload and pays its work stamp: `stampBits` is the network's (params.gauntlet.stampBits);
 * about 2^stampBits hashes. Pass a larger value to outrank other newcomers in full pools.
 */
export function signContribution(unsigned: Omit<Contribution, 'signature' | 'stamp'>, secretKey: Uint8Array, stampBits: number): Contribution {
  const stamp = findStamp(stampBits, unsigned);
  return Object.freeze({ ...unsigned, stamp, signature: sign(contributionSigHash(unsigned), secretKey) });
}
