import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatAmount, parseAmount, parseBaseUnits } from '../../src/wallet/amounts.ts';
import { WalletError } from '../../src/wallet/errors.ts';
import { MAX_AMOUNT } from '../../consensus/block-rules.ts';

test('parses GC into base units exactly', () => {
  const cases: [string, bigint][] = [
    ['1.5', 150_000_000n],
    ['1', 100_000_000n],
    ['1.', 100_000_000n],
    ['0', 0n],
    ['0.00000001', 1n],
    ['0.1', 10_000_000n], // not representable as a float; exact here
    ['0.3', 30_000_000n],
    ['000012.34000000', 1_234_000_000n],
    ['  2.5\n', 250_000_000n],
    ['21000000', 2_100_000_000_000_000n],
    ['92233720368.54775807', MAX_AMOUNT],
  ];
  for (const [text, units] of cases) assert.equal(parseAmount(text), units, text);
});

test('refuses what is not a plain decimal amount, with a reason', () => {
  const cases: [string, RegExp][] = [
    ['', /is empty/],
    ['   ', /is empty/],
    ['-1', /must not be negative/],
    ['-0.5', /must not be negative/],
    ['1.123456789', /has 9 decimals; GC has at most 8/],
    ['0.000000001', /has 9 decimals/],
    ['92233720368.54775808', /exceeds the largest amount, 92233720368.54775807 GC/],
    ['1e8', /not a decimal number/],
    ['0x10', /not a decimal number/],
    ['1,5', /not a decimal number/],
    ['.5', /not a decimal number/],
    ['+1', /not a decimal number/],
    ['1.2.3', /not a decimal number/],
    ['NaN', /not a decimal number/],
    ['Infinity', /not a decimal number/],
    ['\uff11', /not a decimal number/], // a full-width digit one
    ['1 000', /not a decimal number/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseAmount(text), (e: unknown) => e instanceof WalletError && e.code === 'bad-amount' && reason.test(e.message), text);
  }
  assert.throws(() => parseAmount('x', 'fee'), /^WalletError: bad-amount: fee "x" is not a decimal number/);
});

test('formats base units with all eight decimals', () => {
  assert.equal(formatAmount(150_000_000n), '1.50000000');
  assert.equal(formatAmount(0n), '0.00000000');
  assert.equal(formatAmount(1n), '0.00000001');
  assert.equal(formatAmount(10_000n), '0.00010000');
  assert.equal(formatAmount(MAX_AMOUNT), '92233720368.54775807');
  assert.equal(formatAmount(-150_000_000n), '-1.50000000');
});

test('property: format then parse is the identity on every amount', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: MAX_AMOUNT }), (units) => {
      assert.equal(parseAmount(formatAmount(units)), units);
    }),
    { numRuns: 2000 },
  );
});

test('property: parse then format gives the canonical spelling of the same number', () => {
  const amountText = fc
    .tuple(fc.bigInt({ min: 0n, max: 92_233_720_367n }), fc.stringMatching(/^[0-9]{0,8}$/))
    .map(([whole, fraction]) => (fraction === '' ? `${whole}` : `${whole}.${fraction}`));
  fc.assert(
    fc.property(amountText, (text) => {
      const [whole, fraction = ''] = text.split('.');
      assert.equal(formatAmount(parseAmount(text)), `${BigInt(whole!)}.${fraction.padEnd(8, '0')}`);
    }),
    { numRuns: 2000 },
  );
});

test('property: arbitrary strings are parsed or refused with the typed error, never anything else', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (text) => {
      try {
        const units = parseAmount(text);
        assert.ok(units >= 0n && units <= MAX_AMOUNT);
      } catch (e) {
        assert.ok(e instanceof WalletError && e.code === 'bad-amount');
      }
    }),
    { numRuns: 2000 },
  );
});

test('base units from the node must be a decimal string of digits', () => {
  assert.equal(parseBaseUnits('150000000'), 150_000_000n);
  assert.equal(parseBaseUnits('18446744073709551615'), 2n ** 64n - 1n);
  for (const bad of [150000000, '1.5', '-1', '', ' 1', '1e3', null, undefined, '123456789012345678901']) {
    assert.throws(() => parseBaseUnits(bad), (e: unknown) => e instanceof WalletError && e.code === 'bad-response', String(bad));
  }
});
