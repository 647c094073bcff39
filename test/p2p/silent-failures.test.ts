/**
 * Failures that used to be silent: dials that keep failing while a node has no peer (on a private
 * network: most likely another swarm key), and mDNS on a host without a multicast route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAL_WARNING_INTERVAL_MS, DialFailures } from '../../src/p2p/dial-failures.ts';
import { probeMulticastRoute } from '../../src/p2p/multicast-probe.ts';

test('failed dials without a peer give one warning a minute, naming the swarm key on a private network', () => {
  const closed = new DialFailures(true);
  assert.equal(closed.check(0, 0), null, 'nothing failed yet');
  closed.failed('stream reset');
  closed.failed('decryption failed');
  const first = closed.check(0, 1_000);
  assert.ok(first);
  assert.equal(first.failures, 2);
  assert.equal(first.lastError, 'decryption failed');
  assert.match(first.message, /^no peers: 2 dials failed; handshakes are failing: .*swarm key differs.*same swarm\.key/);
  closed.failed('again');
  assert.equal(closed.check(0, 1_000 + DIAL_WARNING_INTERVAL_MS - 1), null, 'at most once a minute');
  assert.ok(closed.check(0, 1_000 + DIAL_WARNING_INTERVAL_MS));
  closed.failed('while connected elsewhere');
  assert.equal(closed.check(1, 10 * DIAL_WARNING_INTERVAL_MS), null, 'a node with a peer is fine');
  closed.connected();
  assert.equal(closed.check(0, 20 * DIAL_WARNING_INTERVAL_MS), null, 'a connection clears the count');

  const open = new DialFailures(false);
  open.failed('ECONNREFUSED');
  assert.match(open.check(0, 0)!.message, /^no peers: 1 dial failed; no peer could be reached: check the bootnode addresses/);
});

test('the multicast probe reports a missing route and accepts a routable address', async () => {
  // 127.0.0.1 is always routable; 0.0.0.0 port 0 cannot be connected to.
  assert.equal(await probeMulticastRoute('127.0.0.1', 5353), null);
  assert.match((await probeMulticastRoute('0.0.0.0', 0)) ?? '', /EADDRNOTAVAIL|EINVAL|ERR_SOCKET|ENETUNREACH|port/i);
});
