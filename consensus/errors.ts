/**
 * Consensus failures. As in bcoin, every rejection carries a machine-readable code, a reason a
 * person can read, and a ban score for the peer that sent it (100 = disconnect and ban: the data
 * was provably invalid; lower = possibly our fault or a race, e.g. an unknown parent).
 */
import { CodedError } from '../trainer/coded-error.ts';

export type VerifyCode =
  // encoding and size
  | 'bad-encoding'
  | 'bad-size'
  // header
  | 'bad-version'
  | 'bad-height'
  | 'bad-prevblk'
  | 'bad-bits'
  | 'bad-diffbits'
  | 'high-hash'
  | 'time-too-old'
  | 'time-too-new'
  | 'bad-txroot'
  | 'bad-contribroot'
  | 'bad-reportroot'
  | 'bad-stateroot'
  | 'bad-modelhash'
  | 'bad-miner-address'
  | 'bad-genesis'
  // block body
  | 'bad-txns-count'
  | 'bad-txns-duplicate'
  | 'bad-block-size'
  // contributions (the Gauntlet's filters: any failure makes the block invalid)
  | 'bad-contribs-count'
  | 'bad-contribs-order'
  | 'bad-contribs-duplicate'
  | 'bad-contrib-chainid'
  | 'bad-contrib-parent'
  | 'bad-contrib-size'
  | 'bad-contrib-stamp'
  | 'bad-contrib-payload'
  | 'bad-contrib-signature'
  // the Gauntlet report, compared exactly with the validator's own
  | 'bad-report-count'
  | 'bad-report-contributor'
  | 'bad-report-loss'
  | 'bad-report-score'
  | 'bad-report-indicator'
  | 'bad-report-weight'
  | 'bad-report-reward'
  | 'bad-report-aggregated'
  // transactions
  | 'bad-tx-chainid'
  | 'bad-tx-signature'
  | 'bad-tx-amount'
  | 'bad-tx-fee'
  | 'bad-tx-self'
  | 'bad-tx-nonce'
  | 'bad-tx-balance'
  | 'bad-tx-overflow'
  // chain context
  | 'duplicate'
  | 'orphan'
  | 'invalid-ancestor'
  | 'checkpoint'
  // node policy: a branch too far below the tip's work to be worth storing
  | 'low-work';

/** What a failure says about the block its header names; decided where the error is raised. */
export interface VerifyErrorFlags {
  /**
   * The body does not match the header's commitments (bcoin's `malleated`): the failure says
   * nothing about the block the hash names, so nothing is stored, cached or marked under it.
   */
  readonly malleated?: boolean;
  /**
   * The failure is a property of the hash and worth remembering (default: true unless malleated).
   * False for verdicts that may change (a clock ahead of ours) or that cost the sender too little
   * work to deserve a record (a header that misses the target its context requires).
   */
  readonly markInvalid?: boolean;
}

export class VerifyError extends CodedError<VerifyCode> {
  /** Ban score for the peer that relayed it; 100 means disconnect and ban. */
  readonly score: number;
  readonly malleated: boolean;
  /** Whether the chain records the hash as invalid (see VerifyErrorFlags). */
  readonly markInvalid: boolean;
  constructor(code: VerifyCode, reason: string, score = 100, flags: VerifyErrorFlags = {}) {
    super(code, reason);
    this.score = score;
    this.malleated = flags.malleated ?? false;
    this.markInvalid = !this.malleated && (flags.markInvalid ?? true);
  }
}

export function isVerifyError(err: unknown, code?: VerifyCode): err is VerifyError {
  return VerifyError.is(err, code);
}
