/**
 * Typed readers for decoded msgpack values. Each names the field it reads so a rejection says
 * exactly what was wrong, and each returns a fresh, plain Uint8Array for byte fields.
 */
import { DecodeError } from './errors.ts';

export const U64_MAX = 2n ** 64n - 1n;

export function readArray(value: unknown, length: number, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new DecodeError('bad-field', `${what} must be an array`);
  if (value.length !== length) {
    throw new DecodeError('bad-field', `${what} must have ${length} fields, has ${value.length}`);
  }
  return value;
}

export function readList(value: unknown, maxLength: number, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new DecodeError('bad-field', `${what} must be an array`);
  if (value.length > maxLength) {
    throw new DecodeError('bad-field', `${what} has ${value.length} items, the limit is ${maxLength}`);
  }
  return value;
}

export function readBytes(value: unknown, what: string, length?: number, maxLength = Infinity): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new DecodeError('bad-field', `${what} must be a byte string`);
  if (length !== undefined && value.length !== length) {
    throw new DecodeError('bad-field', `${what} must be ${length} bytes, is ${value.length}`);
  }
  if (value.length > maxLength) {
    throw new DecodeError('bad-field', `${what} is ${value.length} bytes, the limit is ${maxLength}`);
  }
  return new Uint8Array(value);
}

export function readU32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new DecodeError('bad-field', `${what} must be an integer from 0 to 2^32-1`);
  }
  return value;
}

/** A uint64 carried as bigint (amounts, fees, nonces). */
export function readU64(value: unknown, what: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) {
    throw new DecodeError('bad-field', `${what} must be a bigint from 0 to 2^64-1`);
  }
  return value;
}

export function readFloat(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DecodeError('bad-field', `${what} must be a finite number`);
  }
  return value;
}
