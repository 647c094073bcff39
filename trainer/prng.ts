/**
 * The project's deterministic pseudo-random numbers: xoshiro128** (Blackman and Vigna, 2018)
 * with its 128-bit state drawn from BLAKE3 over the seed bytes. Every node that initialises a
 * model or samples text from the same seed gets the same numbers, on any engine, because the
 * generator uses only 32-bit integer operations (Math.imul, shifts, xor) and the derived floats
 * only +, −, ×, ÷, sqrt and the project's own log.
 *
 * Not a cryptographic generator: its output is predictable from a few outputs. Seeds that must
 * be unpredictable come from elsewhere (block hashes); this only makes them reproducible.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { log } from './reference/math.ts';

const SEED_DOMAIN = utf8ToBytes('gradientcoin/prng/v1');
const TWO_POW_M53 = 1 / 9007199254740992;

export interface Prng {
  /** A uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** A uniform double in [0, 1): a multiple of 2^-53, built from two consecutive nextU32 calls. */
  nextFloat(): number;
  /**
   * A standard normal variate by Marsaglia's polar method: pairs (u, v) uniform in the square
   * (−1, 1)², rejected outside the unit disc, give two independent normals u·m and v·m with
   * m = sqrt(−2·ln(s)/s), s = u² + v². The second of each pair is kept for the next call.
   */
  gaussian(): number;
}

class Xoshiro128StarStar implements Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
  }

  nextU32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_M53;
  }

  gaussian(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    for (;;) {
      const u = 2 * this.nextFloat() - 1;
      const v = 2 * this.nextFloat() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * log(s)) / s);
      this.spare = v * m;
      this.hasSpare = true;
      return u * m;
    }
  }
}

/** The bare generator from a raw state (not all zero), as the reference implementation takes it. */
export function xoshiro128StarStar(state: readonly [number, number, number, number]): Prng {
  if (state.every((w) => w >>> 0 === 0)) throw new RangeError('xoshiro128** state must not be all zero');
  return new Xoshiro128StarStar(state[0], state[1], state[2], state[3]);
}

/**
 * A generator seeded from any bytes (empty included). The state is the first 16 bytes of
 * BLAKE3("gradientcoin/prng/v1" ‖ seed), read as four little-endian words.
 */
export function createPrng(seed: Uint8Array): Prng {
  const digest = blake3(concatBytes(SEED_DOMAIN, seed), { dkLen: 16 });
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  const words = [0, 4, 8, 12].map((offset) => view.getUint32(offset, true));
  // The all-zero state is xoshiro's one fixed point; BLAKE3 reaching it is a 2^-128 event, but
  // a generator stuck at zero must be impossible rather than improbable.
  if (!words.some((w) => w !== 0)) words[0] = 1;
  return xoshiro128StarStar([words[0]!, words[1]!, words[2]!, words[3]!]);
}
