/**
 * Why the mempool refused a transfer. Distinct from consensus failures: 'invalid' wraps one (with
 * its code), the others are this node's policy or the transfer's timing (a nonce already used, a
 * pool that is full), and say nothing bad about the peer that relayed it.
 */
import type { VerifyCode } from '../../consensus/errors.ts';
import { CodedError } from '../../trainer/coded-error.ts';

export type MempoolCode =
  | 'duplicate' // already in the pool
  | 'invalid' // breaks a consensus rule on its own (see verifyCode)
  | 'fee-rate-too-low' // pays less per byte than the minimum relay fee rate
  | 'dust' // moves less than the dust amount
  | 'nonce-too-low' // the sender's account has moved past this nonce
  | 'nonce-too-high' // too far ahead of the sender's account nonce to hold
  | 'insufficient-balance' // the sender cannot pay it after its earlier pending transfers
  | 'replacement-fee-too-low' // same sender and nonce as a pending transfer, without a higher fee
  | 'mempool-full'; // the pool is full of transfers paying at least as much per byte

export class MempoolError extends CodedError<MempoolCode> {
  /** For 'invalid' (and a consensus failure behind 'insufficient-balance'): the rule's code. */
  readonly verifyCode: VerifyCode | undefined;
  constructor(code: MempoolCode, reason: string, verifyCode?: VerifyCode) {
    super(code, reason);
    this.verifyCode = verifyCode;
  }
}
