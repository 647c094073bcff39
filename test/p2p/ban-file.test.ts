/**
 * Bans outlast a restart: the ban list is kept in a file (banlist.json in a node's datadir),
 * rewritten after each change, loaded at start with expired bans dropped; an unreadable file is set
 * aside with a warning rather than stopping the node. End to end: a node bans a peer, restarts on
 * the same file, and refuses that peer again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { BanFile, parseBanFile } from '../../src/p2p/ban-file.ts';
import { BanList } from '../../src/p2p/ban-list.ts';
import type { Logger } from '../../src/log.ts';
import { BlockTree, tempDir } from '../util/block-tree.ts';
import { connect, Harness, waitFor } from '../util/p2p-harness.ts';
import { testClockMs } from '../util/clock.ts';

const root = tempDir('ban-file');
const harness = new Harness();
after(async () => {
  await harness.close();
  rmSync(root, { recursive: true, force: true });
});

function capture(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log: Logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

test('bans are written after each change and loaded again, expired ones dropped', async () => {
  const path = join(root, 'banlist.json');
  const { log } = capture();
  const file = new BanFile(path, log);
  assert.deepEqual(await file.load(1_000), [], 'no file yet');
  const list = new BanList([], (entries) => file.save(entries));
  list.ban('peer-a', 'misbehaving', 'sent junk', 10_000);
  list.ban('peer-b', 'manual', 'by hand', 2_000);
  list.ban('peer-c', 'wrong-network', 'other genesis', 50_000);
  list.unban('peer-c');
  await file.flush();
  const saved = parseBanFile(readFileSync(path, 'utf8'));
  assert.deepEqual(saved.map((e) => e.peer).sort(), ['peer-a', 'peer-b']);
  const again = new BanFile(path, log);
  const loaded = await again.load(5_000);
  assert.deepEqual(loaded, [{ peer: 'peer-a', reason: 'misbehaving', detail: 'sent junk', untilMs: 10_000 }], 'peer-b expired at 2,000');
  const restored = new BanList(loaded);
  assert.equal(restored.isBanned('peer-a', 5_000), true);
  assert.equal(restored.isBanned('peer-b', 5_000), false);
  assert.equal(restored.isBanned('peer-a', 10_000), false, 'and the ban still expires');
});

test('an unreadable ban list is set aside with a warning, and the node starts with none', async () => {
  const path = join(root, 'bad-banlist.json');
  for (const [i, text] of ['{ not json', '{"version":2,"bans":[]}', '{"version":1,"bans":[{"peer":"p","reason":"grudge","detail":"","untilMs":5}]}'].entries()) {
    writeFileSync(path, text);
    const { log, lines } = capture();
    assert.deepEqual(await new BanFile(path, log).load(100 + i), []);
    assert.equal(existsSync(path), false);
    assert.ok(existsSync(`${path}.bad-${100 + i}`), 'the old file is kept aside');
    assert.ok(lines.some((l) => l['level'] === 40 && l['msg'] === 'ban list unreadable: set aside, starting with no bans'));
  }
  assert.throws(() => parseBanFile('{"version":1,"bans":[{"peer":"p","reason":"grudge","detail":"","untilMs":5}]}'), /ban 0: unknown reason grudge/);
});

test('a node that restarts on its ban list refuses the peer it banned', { timeout: 60_000 }, async () => {
  const tree = new BlockTree();
  const banFile = join(root, 'node-banlist.json');
  const first = await harness.node(tree, 'first', { banFile });
  const peer = await harness.node(tree, 'peer');
  await connect(first, peer);
  await first.net.ban(peer.net.peerId, 'testing persistence', 3_600_000);
  await waitFor(() => !first.net.readyPeers().includes(peer.net.peerId), 'the banned peer disconnected');
  await first.close();
  const saved = parseBanFile(readFileSync(banFile, 'utf8'));
  assert.deepEqual(saved.map((e) => [e.peer, e.reason, e.detail]), [[peer.net.peerId, 'manual', 'testing persistence']]);
  assert.ok(saved[0]!.untilMs > testClockMs() + 3_000_000);

  const restarted = await harness.node(tree, 'restarted', { banFile });
  assert.equal(restarted.net.isBanned(peer.net.peerId), true);
  assert.deepEqual(restarted.net.bans().map((b) => b.peer), [peer.net.peerId]);
  // The banned peer's dial is refused; an unbanned one is let in.
  await peer.net.dial(restarted.net.addresses()[0]!).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(restarted.net.readyPeers().includes(peer.net.peerId), false);
  assert.equal(restarted.net.unban(peer.net.peerId), true);
  await connect(peer, restarted);
  await restarted.close();
  assert.deepEqual(parseBanFile(readFileSync(banFile, 'utf8')), [], 'the unban was saved');
  assert.deepEqual(readdirSync(root).filter((f) => f.startsWith('.tmp-')), [], 'no temporary file left behind');
});
