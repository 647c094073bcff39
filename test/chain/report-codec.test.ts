/**
 * −0 in a report float: msgpack writes it as the integer 0, so it would come back +0 with another
 * report root. The codec refuses to encode it, and a float64 −0 on the wire is not canonical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReportEntry } from '../../consensus/types.ts';
import { reportRoot } from '../../consensus/ids.ts';
import { toHex } from '../../consensus/hash.ts';
import { decode, encode } from '../../chain/encoding.ts';
import { reportEntryFromValue, reportEntryToValue } from '../../chain/report.ts';
import { DecodeError } from '../../chain/errors.ts';

const entry: ReportEntry = Object.freeze({
  contributor: new Uint8Array(20).fill(3),
  lossOwnBefore: 3.5,
  lossOwnAfter: 3.25,
  lossRandBefore: 3.5,
  lossRandAfter: 3.5,
  score: 0,
  indicator: -1,
  weight: 0,
  reward: 0n,
  aggregated: false,
});

const roundTrip = (e: ReportEntry): ReportEntry => reportEntryFromValue(decode(encode(reportEntryToValue(e)), 1024, 'entry'), 'entry');

test('+0 round-trips with the same report root', () => {
  const back = roundTrip(entry);
  assert.equal(toHex(reportRoot({ report: [back] })), toHex(reportRoot({ report: [entry] })));
  assert.ok(Object.is(back.score, 0));
});

test('-0 would change the root after a decode, so the encoder refuses it, naming the field', () => {
  for (const field of ['lossOwnBefore', 'lossOwnAfter', 'lossRandBefore', 'lossRandAfter', 'score', 'weight'] as const) {
    const negative = { ...entry, [field]: -0 };
    // The hazard: the root hashes float bits, and -0 and +0 differ there.
    assert.notEqual(toHex(reportRoot({ report: [negative] })), toHex(reportRoot({ report: [{ ...entry, [field]: 0 }] })));
    assert.throws(() => reportEntryToValue(negative), new RegExp(`^RangeError: report entry ${field} is -0, which msgpack writes as \\+0`));
  }
});

test('a float64 -0 on the wire is not canonical and is refused', () => {
  // Encode with a marker score (0.125 is float64 3fc0…), then put a float64 -0 in its place.
  const bytes = encode(reportEntryToValue({ ...entry, score: 0.125 }));
  const hex = Buffer.from(bytes).toString('hex');
  const marker = 'cb3fc0000000000000';
  assert.equal(hex.split(marker).length, 2, 'the marker appears once');
  const forged = Uint8Array.from(Buffer.from(hex.replace(marker, 'cb8000000000000000'), 'hex'));
  assert.throws(() => decode(forged, 1024, 'entry'), (err: unknown) => err instanceof DecodeError && err.code === 'non-canonical');
});
