/**
 * Compact targets ("bits"), exactly as Bitcoin's nBits: one exponent byte (the target's length in
 * bytes) and a 24-bit mantissa whose top bit is a sign. A target is the 256-bit unsigned integer
 * that a block hash, read big-endian, must not exceed.
 *
 *   bits = exponent << 24 | sign << 23 | mantissa (23 bits)
 *   target = mantissa · 256^(exponent − 3)      (shifted right when exponent < 3)
 *
 * The encoding keeps at most 23 significant bits, so targetToBits rounds down; a header is only
 * valid with the canonical bits of its required target (the difficulty rule compares bits).
 */
import { VerifyError } from '../errors.ts';

const TWO_256 = 1n << 256n;
const SIGN_BIT = 0x0080_0000;
const MANTISSA_MASK = 0x007f_ffff;

/**
 * Decodes bits with Bitcoin's rejection rules: a set sign bit with a non-zero mantissa (negative),
 * a value of 2^256 or more (overflow), and a zero target are all 'bad-bits'.
 */
export function bitsToTarget(bits: number): bigint {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff_ffff) {
    throw new VerifyError('bad-bits', `bits must be a u32, got ${String(bits)}`);
  }
  const size = bits >>> 24;
  let word = bits & MANTISSA_MASK;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt(word) << BigInt(8 * (size - 3));
  }
  // As Bitcoin, the sign counts only if mantissa bits survive the shift.
  if (word !== 0 && (bits & SIGN_BIT) !== 0) {
    throw new VerifyError('bad-bits', `bits 0x${hex32(bits)} encode a negative target`);
  }
  if (target >= TWO_256) {
    throw new VerifyError('bad-bits', `bits 0x${hex32(bits)} encode a target of 2^256 or more`);
  }
  if (target === 0n) {
    throw new VerifyError('bad-bits', `bits 0x${hex32(bits)} encode a zero target`);
  }
  return target;
}

/** The canonical bits of a target (Bitcoin's GetCompact), rounding the target down to 23 bits. */
export function targetToBits(target: bigint): number {
  if (target < 0n || target >= TWO_256) {
    throw new RangeError(`target must be in [0, 2^256), got ${target}`);
  }
  let size = byteLength(target);
  let mantissa = size <= 3 ? Number(target << BigInt(8 * (3 - size))) : Number(target >> BigInt(8 * (size - 3)));
  // A mantissa with its top bit set would read as negative: move a byte into the exponent.
  if ((mantissa & SIGN_BIT) !== 0) {
    mantissa >>>= 8;
    size += 1;
  }
  return ((size << 24) | mantissa) >>> 0;
}

function byteLength(n: bigint): number {
  let bytes = 0;
  for (let v = n; v > 0n; v >>= 8n) bytes++;
  return bytes;
}

function hex32(bits: number): string {
  return bits.toString(16).padStart(8, '0');
}
