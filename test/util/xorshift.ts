/**
 * xorshift32 (Marsaglia, 2003): the tests' and benches' one seeded source of reproducible numbers,
 * for fixtures that must be the same on every run (golden payloads, fuzzed keys, junk frames).
 */

/** The next 32-bit word of the sequence from `seed` (0 counts as 1: xorshift never leaves 0). */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Whole numbers from 0 to n − 1, the sequence from `seed` modulo n. */
export function randomBelow(seed: number): (n: number) => number {
  const next = xorshift32(seed);
  return (n) => next() % n;
}
