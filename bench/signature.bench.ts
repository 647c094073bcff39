/** Signature verifications per second: the consensus path (node:crypto) against @noble/curves. */
import { ed25519 } from '@noble/curves/ed25519.js';
import { verifySignature } from '../consensus/signature.ts';

function rate(n: number, fn: (i: number) => boolean): number {
  for (let i = 0; i < Math.min(n, 50); i++) fn(i);
  const start = performance.now();
  for (let i = 0; i < n; i++) if (!fn(i)) throw new Error('a valid signature failed to verify');
  return Math.round(n / ((performance.now() - start) / 1000));
}

export default async function bench(): Promise<Record<string, unknown>> {
  const keys = Array.from({ length: 64 }, (_, i) => new Uint8Array(32).fill(i + 1));
  const items = keys.map((sk, i) => {
    const msg = new Uint8Array(32).fill(i);
    return { pub: ed25519.getPublicKey(sk), msg, sig: ed25519.sign(msg, sk) };
  });
  const pick = (i: number): (typeof items)[number] => items[i % items.length]!;
  return {
    consensusNodeCryptoPerSecond: rate(5000, (i) => {
      const it = pick(i);
      return verifySignature(it.sig, it.msg, it.pub);
    }),
    nobleStrictPerSecond: rate(1000, (i) => {
      const it = pick(i);
      return ed25519.verify(it.sig, it.msg, it.pub, { zip215: false });
    }),
  };
}
