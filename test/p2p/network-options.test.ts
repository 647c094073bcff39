/**
 * The network's defaults live in one object: options override them, bad values are refused with
 * the option's name, and `gradientcoin node --help` shows the default the code runs with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_NETWORK_OPTIONS, networkSettings } from '../../src/p2p/network-options.ts';

test('defaults, overrides and refusals', () => {
  assert.deepEqual(networkSettings({}), DEFAULT_NETWORK_OPTIONS);
  const custom = networkSettings({ targetPeers: 3, statusIntervalMs: 500 });
  assert.equal(custom.targetPeers, 3);
  assert.equal(custom.statusIntervalMs, 500);
  assert.equal(custom.redialBackoffMs, DEFAULT_NETWORK_OPTIONS.redialBackoffMs);
  assert.ok(Object.isFrozen(custom));
  assert.throws(() => networkSettings({ targetPeers: -1 }), /network option targetPeers must be a non-negative number, got -1/);
  assert.throws(() => networkSettings({ heldRetryMs: Number.NaN }), /heldRetryMs/);
});

test('node --help shows the target peer count from DEFAULT_NETWORK_OPTIONS', () => {
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const help = execFileSync(process.execPath, [main, 'node', '--help'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  assert.match(help, new RegExp(`--target-peers <n> +keep dialling peers while fewer are connected\\s+\\(default: ${DEFAULT_NETWORK_OPTIONS.targetPeers}\\)`));
});
