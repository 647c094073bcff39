/**
 * The Gauntlet report on the wire: one array per entry, floats as msgpack float64 (an integral
 * value as msgpack's integer, which the canonical decoder insists on).
 *
 * −0 has no encoding here: msgpack writes it as the integer 0, which decodes as +0, while the
 * report root hashes each float's bit pattern (consensus/ids.ts), so a report holding −0 would
 * reach every peer with another root and its block would be refused as bad-reportroot. The
 * encoder refuses −0 with an error naming the field, so such a block fails where it is built; the
 * decoder cannot produce −0 (a float64 −0 on the wire is not canonical and is refused).
 */
import type { ReportEntry } from '../consensus/types.ts';
import type { Encodable } from './encoding.ts';
import { DecodeError } from './errors.ts';
import { readArray, readBytes, readFloat, readU64 } from './fields.ts';

const FLOAT_FIELDS = ['lossOwnBefore', 'lossOwnAfter', 'lossRandBefore', 'lossRandAfter', 'score', 'weight'] as const;

export function reportEntryToValue(e: ReportEntry): Encodable {
  for (const field of FLOAT_FIELDS) {
    if (Object.is(e[field], -0)) {
      throw new RangeError(`report entry ${field} is -0, which msgpack writes as +0: the report root would change after a decode`);
    }
  }
  return [
    e.contributor,
    e.lossOwnBefore,
    e.lossOwnAfter,
    e.lossRandBefore,
    e.lossRandAfter,
    e.score,
    e.indicator,
    e.weight,
    e.reward,
    e.aggregated,
  ];
}

export function reportEntryFromValue(value: unknown, what: string): ReportEntry {
  const f = readArray(value, 10, what);
  const indicator = f[6];
  if (indicator !== 1 && indicator !== -1) throw new DecodeError('bad-field', `${what}.indicator must be 1 or -1`);
  if (typeof f[9] !== 'boolean') throw new DecodeError('bad-field', `${what}.aggregated must be a boolean`);
  return Object.freeze({
    contributor: readBytes(f[0], `${what}.contributor`, 20),
    lossOwnBefore: readFloat(f[1], `${what}.lossOwnBefore`),
    lossOwnAfter: readFloat(f[2], `${what}.lossOwnAfter`),
    lossRandBefore: readFloat(f[3], `${what}.lossRandBefore`),
    lossRandAfter: readFloat(f[4], `${what}.lossRandAfter`),
    score: readFloat(f[5], `${what}.score`),
    indicator,
    weight: readFloat(f[7], `${what}.weight`),
    reward: readU64(f[8], `${what}.reward`),
    aggregated: f[9],
  });
}
