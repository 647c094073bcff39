/**
 * Consensus failures. As in bcoin, every rejection carries a machine-readable code, a reason a
 * person can read, and a ban score for the peer that sent it (100 = disconnect and ban: the data
 * was provably invalid; lower = possibly our fault or a race, e.g. an unknown parent).
 */
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
  | 'checkpoint';

export class VerifyError extends Error {
  readonly code: VerifyCode;
  readonly reason: string;
  /** Ban score for the peer that relayed it; 100 means disconnect and ban. */
  readonly score: number;
  constructor(code: VerifyCode, reason: string, score = 100) {
    super(`${code}: ${reason}`);
    this.name = 'VerifyError';
    this.code = code;
    this.reason = reason;
    this.score = score;
  }
}

export function isVerifyError(err: unknown, code?: VerifyCode): err is VerifyError {
  return err instanceof VerifyError && (code === undefined || err.code === code);
}
