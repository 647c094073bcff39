/**
 * The mempool (src/mempool/) as the network sees it. A transfer that breaks a rule on its own
 * (signature, chain id, amount, fee, paying oneself) is invalid whatever the state: its sender is
 * banned. Anything the pool refuses because of its state or policy (a duplicate, a spent or far
 * nonce, a balance, a full pool) is ignored without blame, since the relaying peer may see another
 * tip.
 */
import type { VerifyCode } from '../../consensus/errors.ts';
import type { Transfer } from '../../consensus/types.ts';
import type { Mempool } from '../mempool/mempool.ts';
import { encodeTransfer } from '../../chain/tx.ts';
import { MempoolError } from '../mempool/errors.ts';
import type { NetworkMempool, Verdict } from './seams.ts';

const STATELESS_FAILURES: ReadonlySet<VerifyCode> = new Set<VerifyCode>([
  'bad-tx-chainid',
  'bad-tx-signature',
  'bad-tx-amount',
  'bad-tx-fee',
  'bad-tx-self',
]);

export function mempoolVerdict(err: unknown): Verdict {
  if (!(err instanceof MempoolError)) throw err;
  return err.code === 'invalid' && err.verifyCode !== undefined && STATELESS_FAILURES.has(err.verifyCode) ? 'reject' : 'ignore';
}

export function networkMempool(mempool: Mempool): NetworkMempool {
  return {
    addTransfer(tx: Transfer): Verdict {
      try {
        mempool.add(tx);
        return 'accept';
      } catch (err) {
        return mempoolVerdict(err);
      }
    },
    pooled: (max) => mempool.selectForBlock(max).map(encodeTransfer),
  };
}
