/**
 * The testnet's plan (ports, folders, who mines, who trains where, command lines) and its live
 * view, rendered from fixed snapshots: pure functions, so no process is started here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { contributorArgs, nodeArgs, planTestnet, TestnetConfigError, type TestnetOptions } from '../../src/testnet/config.ts';
import type { TestnetSnapshot } from '../../src/testnet/monitor.ts';
import { bar, duration, rate, renderStatusLine, renderView, shortAmount, sparkline } from '../../src/testnet/view.ts';

const OPTIONS: TestnetOptions = {
  datadir: '/tmp/gc-plan',
  nodes: 3,
  miners: 2,
  contributors: 4,
  adversaries: false,
  basePort: 19444,
  threads: 1,
  minerAddresses: [],
  fresh: false,
  logLevel: 'info',
};

test('the plan: two loopback ports per node, the first nodes mine, contributors go to non-miners first', () => {
  const plan = planTestnet(OPTIONS);
  assert.equal(plan.root, resolve('/tmp/gc-plan'));
  assert.deepEqual(plan.nodes.map((n) => [n.name, n.p2pPort, n.rpcPort, n.mining]), [
    ['node-0', 19444, 19445, true],
    ['node-1', 19446, 19447, true],
    ['node-2', 19448, 19449, false],
  ]);
  assert.deepEqual(plan.contributors.map((c) => [c.name, c.kind, c.node]), [
    ['honest-0', 'honest', 2],
    ['honest-1', 'honest', 0],
    ['honest-2', 'honest', 1],
    ['honest-3', 'honest', 2],
  ]);
  assert.equal(plan.nodes[1]!.log, join('/tmp/gc-plan', 'logs', 'node-1.log'));

  const withAdversaries = planTestnet({ ...OPTIONS, adversaries: true });
  assert.deepEqual(withAdversaries.contributors.slice(4).map((c) => c.kind), ['noise', 'copycat', 'free-rider', 'scaled', 'stale', 'poisoner', 'wrong-pages']);
  assert.equal(new Set(withAdversaries.contributors.map((c) => c.datadir)).size, 11, 'a folder each');
});

test('bad plans are refused with the option named', () => {
  assert.throws(() => planTestnet({ ...OPTIONS, nodes: 0 }), TestnetConfigError);
  assert.throws(() => planTestnet({ ...OPTIONS, miners: 4 }), /--miners must be from 0 to the number of nodes \(3\)/);
  assert.throws(() => planTestnet({ ...OPTIONS, basePort: 65530 }), /--base-port/);
  assert.throws(() => planTestnet({ ...OPTIONS, miners: 1, minerAddresses: ['a', 'b'] }), /2 miner addresses given for 1 miner/);
});

test('command lines: every other node is a bootnode, mDNS off, loopback only; miners pay their address', () => {
  const plan = planTestnet(OPTIONS);
  const ids = plan.nodes.map((n) => ({ peerId: `12D3KooPeer${n.index}`, minerAddress: n.mining ? `gct1qminer${n.index}` : null }));
  const args = nodeArgs(plan, plan.nodes[0]!, ids, { threads: 2, logLevel: 'debug' });
  assert.match(args[0]!, /bin[/\\]gradientcoin\.js$/);
  assert.equal(args[1], 'node');
  const value = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
  assert.equal(value('--bind'), '127.0.0.1');
  assert.equal(value('--port'), '19444');
  assert.equal(value('--rpc-port'), '19445');
  assert.equal(value('--genesis'), plan.genesis);
  assert.ok(args.includes('--no-mdns'));
  assert.equal(value('--bootnodes'), '/ip4/127.0.0.1/tcp/19446/p2p/12D3KooPeer1,/ip4/127.0.0.1/tcp/19448/p2p/12D3KooPeer2');
  assert.equal(value('--miner-address'), 'gct1qminer0');
  assert.equal(value('--threads'), '2');
  assert.ok(!nodeArgs(plan, plan.nodes[2]!, ids, { threads: 2, logLevel: 'info' }).includes('--mine'));

  const c = contributorArgs(plan, plan.contributors[0]!, { pagesOf: 'ab'.repeat(32) });
  assert.match(c[0]!, /contributor-main\.ts$/);
  assert.equal(c[c.indexOf('--rpc-port') + 1], '19449');
  assert.equal(c[c.indexOf('--node-datadir') + 1], plan.nodes[2]!.datadir);
  assert.equal(c[c.indexOf('--pages-of') + 1], 'ab'.repeat(32));
});

function snapshot(overrides: Partial<TestnetSnapshot> = {}): TestnetSnapshot {
  const node = { rpcPort: 19445, mining: true, height: 12, tip: 'ab'.repeat(32), tipTime: 1_000_000, peers: 2, hashRate: 250_000, blocksFound: 6, mempool: 0, error: null, exited: null };
  return {
    clockMs: 1_000_004_000,
    startedMs: 1_000_004_000 - 133_000,
    network: 'gradientcoin-testnet',
    chainId: 'cd'.repeat(32),
    blockTimeSeconds: 20,
    collectionWindowSeconds: 10,
    root: '/tmp/gc-plan',
    logs: '/tmp/gc-plan/logs',
    dashboard: 'http://127.0.0.1:19449/',
    nodes: [
      { ...node, name: 'node-0' },
      { ...node, name: 'node-1', height: 11, hashRate: 200_000 },
      { ...node, name: 'node-2', mining: false, hashRate: 0 },
    ],
    contributors: [
      {
        name: 'honest-0', kind: 'honest', address: 'gct1qexampleexampleexample0', node: 'node-2', state: 'training', sinceMs: 1_000_002_000,
        lastRoundMs: 4_000, submitted: 5, accepted: 5, lastReason: null,
        rating: { address: 'gct1qexampleexampleexample0', mu: 27.5, sigma: 7.25, ordinal: 5.75, binaryMA: 0.2, final: 1.15, contributions: 5, rewards: '1234567890' },
      },
      {
        name: 'noise', kind: 'noise', address: 'gct1qnoisenoisenoisenoise', node: 'node-0', state: 'submitted', sinceMs: 1_000_003_000,
        lastRoundMs: 100, submitted: 5, accepted: 4, lastReason: 'contributor-has-one', rating: null,
      },
    ],
    model: { height: 12, heldOutLoss: 5.1234, history: [{ height: 0, loss: 5.545 }, { height: 8, loss: 5.3 }, { height: 12, loss: 5.1234 }] },
    ...overrides,
  };
}

test('the view shows height, tip age, hash rate, the loss and its fall, peers, ratings and earnings, with bars', () => {
  const lines = renderView(snapshot(), { width: 200, color: false });
  const text = lines.join('\n');
  assert.match(text, /GradientCoin private testnet gradientcoin-testnet \(chain cdcdcdcdcdcd…\)  up 2m13s/);
  assert.match(text, /height 12 {3}tip abababababababab… {3}last block 4s ago {3}hash rate 450 kH\/s \(2 miners\)/);
  assert.match(text, /next block: collecting contributions \[████████░░░░░░░░░░░░\] 4\/10 s/);
  assert.match(text, /held-out loss 5\.1234 at height 12, −0\.4216 since height 0 {3}█▄▁/);
  assert.match(text, /node-0 {2}height {4}12 {3}peers 2 {3}mempool 0 {3}mining  250 kH\/s, 6 found/);
  assert.match(text, /node-2 {2}height {4}12 .*not mining/);
  assert.match(text, /honest-0 {5}gct1qexa…ample0 {3}27\.50 {3}7\.25 {3}5\.75 {3}0\.20 {3}1\.15 {6}5 {7}12\.3456 {2}training \[██████████░░░░░░░░░░\] 2s/);
  assert.match(text, /noise\* .* - {6}- .*refused: contributor-has-one/);
  assert.ok(lines.every((l) => !l.includes('\x1b')), 'no ANSI codes without color');
  assert.ok(renderView(snapshot(), { width: 40, color: true }).every((l) => l.replace(/\x1b\[[0-9;]*m/g, '').length <= 40), 'lines are cut to the width');

  const later = renderView(snapshot({ clockMs: 1_000_015_000 }), { width: 200, color: false }).join('\n');
  assert.match(later, /next block: scoring contributions and searching a nonce \[█{10}░{10}\] ~20 s\/block/);
  const starting = renderView(snapshot({ nodes: snapshot().nodes.map((n) => ({ ...n, height: null, tip: null, tipTime: null })), model: null }), { width: 200, color: false }).join('\n');
  assert.match(starting, /starting the nodes/);
  assert.match(starting, /waiting for the first measurement/);
});

test('off a terminal: one compact status line', () => {
  assert.equal(
    renderStatusLine(snapshot()),
    '[testnet 2m13s]  height 12 (last 4s ago)  hash 450 kH/s  loss 5.1234  peers 2/2/2  contributions 10, paid 12.3456 GC',
  );
  const down = snapshot({ nodes: snapshot().nodes.map((n) => (n.name === 'node-1' ? { ...n, exited: 'code 1' } : n)) });
  assert.match(renderStatusLine(down), /peers 2\/-\/2 .*EXITED: node-1/);
  // At height 0 the tip is the genesis, whose time may be days old.
  const genesisOnly = snapshot({ nodes: snapshot().nodes.map((n) => ({ ...n, height: 0, tipTime: 1 })) });
  assert.match(renderStatusLine(genesisOnly), /height 0 \(waiting for block 1\)/);
  assert.doesNotMatch(renderView(genesisOnly, { width: 200, color: false }).join('\n'), /last block/);
  assert.match(renderView(genesisOnly, { width: 200, color: false }).join('\n'), /height 0 {3}tip .* {3}waiting for block 1/);
});

test('formatting helpers', () => {
  assert.equal(bar(0.5, 10), '[█████░░░░░]');
  assert.equal(bar(Number.NaN, 4), '[░░░░]');
  assert.equal(bar(2, 4), '[████]');
  assert.equal(sparkline([3, 2, 1]), '█▅▁');
  assert.equal(sparkline([1]), '');
  assert.equal(rate(1_500_000), '1.50 MH/s');
  assert.equal(rate(999), '999 H/s');
  assert.equal(duration(59_999), '59s');
  assert.equal(duration(3_725_000), '1h02m');
  assert.equal(shortAmount(1_234_567_890n), '12.3456');
  assert.equal(shortAmount(0n), '0.0000');
});
