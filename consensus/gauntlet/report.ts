/**
 * The Gauntlet report a block carries: one entry per contribution, in block order. A validator
 * recomputes it and requires the block's to be identical, every float to the bit (compared as
 * float64 bit patterns, so −0 ≠ +0) and every reward to the base unit; the first difference is
 * rejected with a code naming the kind of field.
 */
import { VerifyError } from '../errors.ts';
import type { VerifyCode } from '../errors.ts';
import type { ReportEntry } from '../types.ts';
import { bytesEqual, toHexKey } from '../bytes.ts';

const bitsView = new DataView(new ArrayBuffer(16));

/** True when the two numbers have the same float64 bit pattern. */
export function sameFloatBits(a: number, b: number): boolean {
  bitsView.setFloat64(0, a);
  bitsView.setFloat64(8, b);
  return bitsView.getBigUint64(0) === bitsView.getBigUint64(8);
}

type FloatField = 'lossOwnBefore' | 'lossOwnAfter' | 'lossRandBefore' | 'lossRandAfter' | 'score' | 'weight';

const FLOAT_FIELDS: readonly (readonly [FloatField, VerifyCode])[] = [
  ['lossOwnBefore', 'bad-report-loss'],
  ['lossOwnAfter', 'bad-report-loss'],
  ['lossRandBefore', 'bad-report-loss'],
  ['lossRandAfter', 'bad-report-loss'],
  ['score', 'bad-report-score'],
  ['weight', 'bad-report-weight'],
];

/** Throws the VerifyError of the first field where `claimed` differs from `expected`. */
export function checkReport(claimed: readonly ReportEntry[], expected: readonly ReportEntry[]): void {
  if (claimed.length !== expected.length) {
    throw new VerifyError('bad-report-count', `the report has ${claimed.length} entries, the block ${expected.length} contributions`);
  }
  claimed.forEach((got, i) => {
    const want = expected[i]!;
    const at = `report entry ${i}`;
    if (!bytesEqual(got.contributor, want.contributor)) {
      throw new VerifyError('bad-report-contributor', `${at} names ${toHexKey(got.contributor)}, the contribution is from ${toHexKey(want.contributor)}`);
    }
    for (const [field, code] of FLOAT_FIELDS) {
      if (!sameFloatBits(got[field], want[field])) throw new VerifyError(code, `${at}: ${field} is ${got[field]}, recomputed ${want[field]}`);
    }
    if (got.indicator !== want.indicator) throw new VerifyError('bad-report-indicator', `${at}: indicator is ${got.indicator}, recomputed ${want.indicator}`);
    if (got.reward !== want.reward) throw new VerifyError('bad-report-reward', `${at}: reward is ${got.reward}, recomputed ${want.reward}`);
    if (got.aggregated !== want.aggregated) {
      throw new VerifyError('bad-report-aggregated', `${at}: aggregated is ${got.aggregated}, recomputed ${want.aggregated}`);
    }
  });
}
