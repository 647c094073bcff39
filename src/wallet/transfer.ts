/**
 * Building a payment: the checks the wallet makes before it asks for a password or bothers the
 * network (the node checks again; these only give the person a clear answer first), and the
 * signed transfer itself, bound to the chain id so it cannot be replayed on another network.
 */
import { addressHash } from '../../consensus/address.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import type { Transfer } from '../../consensus/types.ts';
import { MAX_AMOUNT } from '../../consensus/block-rules.ts';
import { COIN } from '../../consensus/subsidy.ts';
import type { KeyPair } from '../../chain/keys.ts';
import { signTransfer } from '../../chain/tx.ts';
import { formatAmount } from './amounts.ts';
import { WalletError } from './errors.ts';
import type { AccountView, ImmatureView } from './node-api.ts';

/** 0.0001 GC: the default fee of `wallet send`. */
export const DEFAULT_FEE = COIN / 10_000n;

/** The nonce the next transfer must carry: after the sender's pending transfers, when known. */
export function nextNonce(account: AccountView): bigint {
  return account.pendingNonce !== undefined && account.pendingNonce > account.nonce ? account.pendingNonce : account.nonce;
}

/**
 * Refuses what consensus would reject anyway: a zero amount, a payment to oneself, too little
 * spendable money (saying when rewards not yet spendable would cover it).
 */
export function checkPayment(
  senderPublicKey: Uint8Array,
  recipient: Uint8Array,
  amount: bigint,
  fee: bigint,
  balance: bigint,
  immature: readonly ImmatureView[] = [],
): void {
  if (amount <= 0n) throw new WalletError('bad-amount', 'the amount must be more than 0 GC');
  if (amount + fee > MAX_AMOUNT) throw new WalletError('bad-amount', 'amount plus fee exceeds the largest amount');
  if (bytesEqual(addressHash(senderPublicKey), recipient)) {
    throw new WalletError('bad-amount', 'the recipient is this wallet itself; the chain refuses transfers to their own sender');
  }
  if (balance < amount + fee) {
    checkMaturity(balance, amount + fee, immature);
    throw new WalletError('insufficient-funds', `insufficient funds: have ${formatAmount(balance)} GC, need ${formatAmount(amount + fee)} GC`);
  }
}

/** When the spendable balance falls short but matured rewards will cover it: the height they do. */
function checkMaturity(balance: bigint, needed: bigint, immature: readonly ImmatureView[]): void {
  let have = balance;
  for (const r of [...immature].sort((a, b) => a.spendableAt - b.spendableAt)) {
    have += r.amount;
    if (have >= needed) {
      throw new WalletError(
        'immature',
        `${formatAmount(needed - balance)} GC of the ${formatAmount(needed)} GC needed is immature until height ${r.spendableAt}: ` +
          `mining and contribution rewards become spendable a fixed number of blocks after the block that earned them (spendable now: ${formatAmount(balance)} GC)`,
      );
    }
  }
}

export interface PaymentRequest {
  readonly chainId: Uint8Array;
  readonly keyPair: KeyPair;
  readonly recipient: Uint8Array;
  readonly amount: bigint;
  readonly fee: bigint;
  readonly nonce: bigint;
}

export function buildTransfer(req: PaymentRequest): Transfer {
  return signTransfer(
    {
      chainId: req.chainId,
      senderPublicKey: req.keyPair.publicKey,
      recipient: req.recipient,
      amount: req.amount,
      fee: req.fee,
      nonce: req.nonce,
    },
    req.keyPair.secretKey,
  );
}
