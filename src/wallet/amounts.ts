/**
 * GC amounts as people write them ("1.5") and as the chain counts them (150000000n base units).
 * String arithmetic only: a float cannot hold 0.1 exactly, and an amount that rounds is a bug that
 * loses money.
 */
import { COIN } from '../../consensus/subsidy.ts';
import { MAX_AMOUNT } from '../../consensus/block-rules.ts';
import { WalletError } from './errors.ts';

/** Digits after the point: 1 GC = 10^8 base units. */
export const DECIMALS = 8;

const DECIMAL_AMOUNT = /^(\d+)(?:\.(\d*))?$/;
const BASE_UNITS = /^\d+$/;

/** Parses a non-negative GC amount with at most 8 decimals into base units, exactly. */
export function parseAmount(text: string, what = 'amount'): bigint {
  const trimmed = text.trim();
  if (trimmed === '') throw new WalletError('bad-amount', `${what} is empty`);
  if (trimmed.startsWith('-')) throw new WalletError('bad-amount', `${what} must not be negative: ${JSON.stringify(text)}`);
  const match = DECIMAL_AMOUNT.exec(trimmed);
  if (!match) {
    throw new WalletError('bad-amount', `${what} ${JSON.stringify(text)} is not a decimal number of GC (e.g. 1.5)`);
  }
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  if (fraction.length > DECIMALS) {
    throw new WalletError('bad-amount', `${what} ${JSON.stringify(text)} has ${fraction.length} decimals; GC has at most ${DECIMALS}`);
  }
  const units = BigInt(whole) * COIN + BigInt(fraction.padEnd(DECIMALS, '0'));
  if (units > MAX_AMOUNT) {
    throw new WalletError('bad-amount', `${what} ${JSON.stringify(text)} exceeds the largest amount, ${formatAmount(MAX_AMOUNT)} GC`);
  }
  return units;
}

/** Base units as GC with all 8 decimals: 150000000n → "1.50000000". */
export function formatAmount(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / COIN}.${(abs % COIN).toString().padStart(DECIMALS, '0')}`;
}

/** Base units as the node sends them, a decimal string of digits: "150000000" → 150000000n. */
export function parseBaseUnits(text: unknown, what = 'amount'): bigint {
  if (typeof text !== 'string' || !BASE_UNITS.test(text) || text.length > 20) {
    throw new WalletError('bad-response', `${what} must be a decimal string of base units, got ${JSON.stringify(text)}`);
  }
  return BigInt(text);
}
