import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerScores, ACTION_POINTS } from '../../src/p2p/peer-score.ts';
import { BanList, BAN_DURATION_MS } from '../../src/p2p/ban-list.ts';
import { PeerRateLimiter, TokenBucket } from '../../src/p2p/reqresp/rate-limit.ts';
import { BoundedQueue } from '../../src/p2p/bounded-queue.ts';
import { formatDuration, SyncProgress } from '../../src/p2p/sync-progress.ts';
import { generatePsk, parsePsk, readPskFile, writePskFile } from '../../src/p2p/pnet.ts';
import { loadOrCreatePeerKey } from '../../src/p2p/peer-key.ts';
import { isP2PError } from '../../src/p2p/errors.ts';
import { mempoolVerdict } from '../../src/p2p/mempool-adapter.ts';
import { MempoolError } from '../../src/mempool/errors.ts';

const MINUTE = 60_000;

test('scores: small faults decay back, a fatal one or an accumulation bans', () => {
  const scores = new PeerScores({ banThreshold: -50, halfLifeMs: 10 * MINUTE });
  assert.equal(scores.get('a', 0), 0);
  assert.equal(scores.apply('a', 'high-tolerance', 0), false);
  assert.equal(scores.get('a', 0), -1);
  // One half-life later, half the deficit is left.
  assert.ok(Math.abs(scores.get('a', 10 * MINUTE) + 0.5) < 1e-9);
  // A timeout every minute for hours never reaches the threshold: the deficit levels off near
  // rate × half-life / ln 2 ≈ 14.4 points.
  let banned = false;
  for (let t = 0; t < 180 * MINUTE; t += MINUTE) banned ||= scores.apply('steady', 'high-tolerance', t);
  assert.equal(banned, false);
  assert.ok(scores.get('steady', 180 * MINUTE) > -16);
  // Invalid requests add up to a ban.
  const results = Array.from({ length: 5 }, () => scores.apply('b', 'low-tolerance', 1_000));
  assert.deepEqual(results, [false, false, false, false, true]);
  assert.equal(scores.apply('c', 'fatal', 0), true);
  assert.equal(scores.get('c', 0), -ACTION_POINTS.fatal);
  scores.reset('c');
  assert.equal(scores.get('c', 0), 0);
  // Pruning forgets decayed scores, keeps the rest.
  scores.prune(10 * 60 * MINUTE);
  assert.equal(scores.get('a', 10 * 60 * MINUTE), 0);
});

test('bans: expire, are never shortened, and list only what is in force', () => {
  const bans = new BanList();
  bans.ban('p', 'misbehaving', 'sent junk', 1_000);
  assert.ok(bans.isBanned('p', 999));
  assert.equal(bans.ban('p', 'wrong-network', 'other genesis', 500).untilMs, 1_000);
  assert.equal(bans.isBanned('p', 1_000), false);
  bans.ban('q', 'manual', 'operator', 2_000);
  bans.ban('r', 'wrong-network', 'other genesis', 100);
  assert.deepEqual(bans.list(150).map((b) => b.peer), ['q']);
  assert.ok(bans.unban('q'));
  assert.equal(bans.isBanned('q', 0), false);
  assert.ok(BAN_DURATION_MS['wrong-network'] < BAN_DURATION_MS.misbehaving);
});

test('token buckets: burst to capacity, then the refill rate', () => {
  const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 2 }, 0);
  assert.ok(bucket.take(10, 0));
  assert.equal(bucket.take(1, 0), false);
  assert.equal(bucket.take(1, 499), false);
  assert.ok(bucket.take(1, 500));
  assert.equal(bucket.available(100_000), 10);
  assert.equal(bucket.take(11, 100_000), false, 'a cost above the capacity never passes');
  // Time going backwards (a clock step) neither refills nor breaks the bucket.
  assert.ok(bucket.take(10, 50_000));
  assert.equal(bucket.take(1, 60_000), false);
  const limiter = new PeerRateLimiter({ capacity: 3, refillPerSecond: 0 });
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('x', 1, 0)), [true, true, true, false]);
  assert.ok(limiter.take('y', 3, 0), 'peers have their own buckets');
  limiter.forget('x');
  assert.ok(limiter.take('x', 1, 0));
});

test('bounded queue: drops and counts what does not fit, runs the rest in order', async () => {
  const seen: number[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const queue = new BoundedQueue<number>(
    3,
    async (n) => {
      await gate;
      if (n === 2) throw new Error('two fails');
      seen.push(n);
    },
    () => undefined,
  );
  const pushed = [1, 2, 3, 4, 5].map((n) => queue.push(n));
  // One is running, three wait: the fifth is dropped.
  assert.deepEqual(pushed, [true, true, true, true, false]);
  release();
  await queue.idle();
  assert.deepEqual(seen, [1, 3, 4]);
  assert.deepEqual(queue.counters, { accepted: 4, dropped: 1, processed: 3, failed: 1 });
  queue.stop();
  assert.equal(queue.push(6), false);
});

test('sync progress line: rate over the last interval, eta, peers, scoring mode', () => {
  const progress = new SyncProgress();
  const first = progress.report({ height: 0, target: 1000, peers: 2, clockMs: 0, scoring: 'assume-valid' });
  assert.equal(first.line, 'sync height=0 target=1000 blocks/s=0.0 eta=? peers=2 scoring=assume-valid');
  const second = progress.report({ height: 250, target: 1000, peers: 3, clockMs: 5_000, scoring: 'full' });
  assert.equal(second.blocksPerSecond, 50);
  assert.equal(second.etaSeconds, 15);
  assert.equal(second.scoring, 'full');
  assert.equal(second.line, 'sync height=250 target=1000 blocks/s=50.0 eta=15s peers=3 scoring=full');
  assert.equal(formatDuration(75), '1m15s');
  assert.equal(formatDuration(3700), '1h01m');
});

test('pre-shared keys: swarm key format, generated, written once, read back; junk refused', async () => {
  const key = generatePsk();
  const text = new TextDecoder().decode(key);
  assert.match(text, /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/);
  assert.deepEqual(parsePsk(new TextEncoder().encode(text.replace(/\n/g, '\r\n') + '\n')), key);
  assert.notDeepEqual(generatePsk(), key);
  for (const bad of ['', '/key/swarm/psk/1.0.0/\n/base16/\nabc', text.replace('/base16/', '/base64/'), text.toUpperCase()]) {
    assert.throws(() => parsePsk(new TextEncoder().encode(bad)), (e) => isP2PError(e, 'malformed'));
  }
  const dir = mkdtempSync(join(tmpdir(), 'gc-pnet-'));
  try {
    const written = await writePskFile(join(dir, 'swarm.key'));
    assert.deepEqual(await readPskFile(join(dir, 'swarm.key')), written);
    await assert.rejects(writePskFile(join(dir, 'swarm.key')), /EEXIST/);
    const id1 = await loadOrCreatePeerKey(join(dir, 'peer.key'));
    const id2 = await loadOrCreatePeerKey(join(dir, 'peer.key'));
    assert.ok(id1.equals(id2), 'the peer key survives a restart');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mempool verdicts: stateless failures reject (ban), state and policy failures ignore', () => {
  assert.equal(mempoolVerdict(new MempoolError('invalid', 'bad sig', 'bad-tx-signature')), 'reject');
  assert.equal(mempoolVerdict(new MempoolError('invalid', 'other net', 'bad-tx-chainid')), 'reject');
  assert.equal(mempoolVerdict(new MempoolError('invalid', 'nonce', 'bad-tx-nonce')), 'ignore');
  assert.equal(mempoolVerdict(new MempoolError('insufficient-balance', 'poor', 'bad-tx-balance')), 'ignore');
  assert.equal(mempoolVerdict(new MempoolError('duplicate', 'again')), 'ignore');
  assert.equal(mempoolVerdict(new MempoolError('mempool-full', 'full')), 'ignore');
  // The relay policy is this node's own: a peer with a lower minimum may relay what we refuse.
  assert.equal(mempoolVerdict(new MempoolError('fee-rate-too-low', 'no fee')), 'ignore');
  assert.equal(mempoolVerdict(new MempoolError('dust', 'one unit')), 'ignore');
  assert.throws(() => mempoolVerdict(new Error('not a mempool error')));
});
