/**
 * Crash consistency. A child process runs a deterministic script of blocks and reorganisations on
 * a datadir; this test kills it with SIGKILL at random points (during block handling, during
 * reorganisations, during start-up and recovery) and restarts it, over and over. After every
 * crash the child first reports what is on disk; it must satisfy every ChainDB invariant, and the
 * tip's accounts, ratings and model must be exactly those a never-crashed reference computed for
 * that block, their root the header's state root. The last run finishes the script and must end where a node that
 * never crashed ends.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Account } from '../../consensus/types.ts';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import { computeFullStateRoot } from '../../consensus/state-root.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { ChainDB } from '../../chain/db/chaindb.ts';
import { verifyChainDB } from '../../chain/db/verify.ts';
import { BlockTree, hashOf, openTestChain, tempDir } from '../util/block-tree.ts';
import { buildCrashScript } from './script.ts';
import { writeScript } from '../util/script-file.ts';
import type { ChildMessage, RatingRow } from './child.ts';
import { crashNetwork, writeCrashCorpus } from './network.ts';

const ROUNDS = 48;
const MIN_KILLS = 50;
/**
 * A run is killed a random 1..n blocks past the furthest block handled before, n at most
 * MAX_ADVANCE and paced so that the script lasts until there have been enough crashes.
 */
const MAX_ADVANCE = 9;
/** Every STARTUP_EVERY-th run is killed at a random instant of its start-up and recovery. */
const STARTUP_EVERY = 5;
const STARTUP_WINDOW_MS = 450;

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const root = tempDir('crash');
const corpus = join(root, 'corpus');
after(() => rmSync(root, { recursive: true, force: true }));

/** Deterministic kill schedule (the instants still vary with the machine's timing). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type KillPlan =
  | { readonly at: 'startup'; readonly delayMs: number }
  | { readonly at: 'step'; readonly index: number; readonly delayMs: number }
  | { readonly at: 'never' };

interface RunOutcome {
  readonly killed: boolean;
  readonly finished: boolean;
  readonly furthest: number;
  readonly states: Extract<ChildMessage, { type: 'state' }>[];
  readonly doneTip: string | undefined;
  /** The tip moved between what the crash left and the end of Chain.open: work was resumed. */
  readonly recovered: boolean;
}

async function runChild(location: string, script: string, plan: KillPlan): Promise<RunOutcome> {
  const child = spawn(process.execPath, [CHILD, location, script, corpus], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  const kill = (delayMs: number): void => {
    timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
  };
  if (plan.at === 'startup') kill(plan.delayMs);
  const states: Extract<ChildMessage, { type: 'state' }>[] = [];
  let furthest = -1;
  let doneTip: string | undefined;
  let recovered = false;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const message = JSON.parse(line) as ChildMessage;
    if (message.type === 'state') states.push(message);
    if (message.type === 'step') {
      if (message.status !== 'duplicate') furthest = Math.max(furthest, message.index);
      if (plan.at === 'step' && message.index >= plan.index) kill(plan.delayMs);
    }
    if (message.type === 'ready' && states.length > 0 && states[0]!.tip !== message.tip) recovered = true;
    if (message.type === 'done') doneTip = message.tip;
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  const killed = signal === 'SIGKILL';
  if (!killed && code !== 0) assert.fail(`child exited with ${code}: ${stderr}`);
  return { killed, finished: !killed && doneTip !== undefined, furthest, states, doneTip, recovered };
}

function checkCrashState(tree: BlockTree, state: Extract<ChildMessage, { type: 'state' }>): void {
  assert.deepEqual(state.violations, [], 'ChainDB invariants after a crash');
  const tip = fromHex(state.tip, 32);
  const reference = tree.context(tip);
  const accounts = new Map<string, Account>(state.accounts.map(([key, balance, nonce]) => [key, { balance: BigInt(balance), nonce: BigInt(nonce) }]));
  const ratings = new Map(state.ratings.map((row) => [row[0], fromRatingRow(row)]));
  assert.equal(toHex(computeFullStateRoot(accounts, ratings)), toHex(reference.header.stateRoot), `state root at tip ${state.tip}`);
  assert.deepEqual(accounts, new Map(reference.accounts), `accounts at tip ${state.tip}`);
  assert.deepEqual(ratings, new Map(reference.ratings), `ratings at tip ${state.tip}`);
  assert.equal(state.modelHash, toHex(modelHash(reference.model)), `model at tip ${state.tip}`);
}

function float(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

function fromRatingRow([, mu, sigma, binaryMA, contributions, rewards]: RatingRow) {
  return { mu: float(mu), sigma: float(sigma), binaryMA: float(binaryMA), contributions, rewards: BigInt(rewards) };
}

test(`a node killed at random points at least ${MIN_KILLS} times never corrupts its datadir and finishes the script`, async () => {
  await writeCrashCorpus(corpus);
  const { tree, blocks } = await buildCrashScript(ROUNDS, await crashNetwork(corpus));
  const script = join(root, 'script.bin');
  writeScript(script, blocks);

  const reference = await openTestChain(tree, join(root, 'reference'));
  for (const block of blocks) {
    try {
      await reference.addBlock(block);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
    }
  }
  const expectedTip = toHex(reference.tip().hash);
  // The main chain carries contributions: ratings and the model are part of what a crash may tear.
  assert.ok(reference.ratings().size > 0, 'the script rates contributors');
  assert.notEqual(toHex(reference.tip().header.modelHash), toHex(tree.genesis.block.header.modelHash), 'the script moves the model');
  const expectedInvalid = blocks.filter((b) => reference.getInvalid(hashOf(b))).map((b) => toHex(hashOf(b)));
  assert.ok(expectedInvalid.length > 0, 'the script exercises invalid branches');
  await reference.close();

  const location = join(root, 'node');
  const random = mulberry32(0x6c0ffee);
  let kills = 0;
  let furthest = -1;
  let checked = 0;
  let recoveries = 0;
  for (let run = 0; ; run++) {
    const enough = kills >= MIN_KILLS && checked >= MIN_KILLS;
    const runsWanted = MIN_KILLS + 5 - Math.min(kills, checked);
    const advance = Math.max(1, Math.min(MAX_ADVANCE, Math.floor((2 * (blocks.length - 1 - furthest)) / runsWanted)));
    const plan: KillPlan = enough
      ? { at: 'never' }
      : run % STARTUP_EVERY === STARTUP_EVERY - 1
        ? { at: 'startup', delayMs: Math.floor(random() * STARTUP_WINDOW_MS) }
        : { at: 'step', index: furthest + 1 + Math.floor(random() * advance), delayMs: Math.floor(random() * 6) };
    const outcome = await runChild(location, script, plan);
    for (const state of outcome.states) {
      checkCrashState(tree, state);
      checked++;
    }
    furthest = Math.max(furthest, outcome.furthest);
    if (outcome.killed) kills++;
    if (outcome.recovered) recoveries++;
    if (outcome.finished) {
      assert.equal(outcome.doneTip, expectedTip, 'the crashed node ends where the reference ends');
      if (enough || furthest >= blocks.length - 1) break;
    }
    assert.ok(run < 4 * MIN_KILLS, 'the harness reaches its crash count');
  }
  assert.ok(kills >= MIN_KILLS, `killed ${kills} times, wanted at least ${MIN_KILLS}`);
  assert.ok(checked >= MIN_KILLS, `checked the datadir after ${checked} crashes`);
  // Some crashes must have interrupted a connect or a reorganisation that the next start finished.
  assert.ok(recoveries > 0, 'no crash left work for recovery');
  process.stdout.write(`# crash harness: ${kills} kills, ${checked} checked restarts, ${recoveries} recoveries\n`);

  const node = await openTestChain(tree, location);
  assert.equal(toHex(node.tip().hash), expectedTip);
  for (const hash of expectedInvalid) assert.ok(node.getInvalid(fromHex(hash, 32)), `block ${hash} is marked invalid`);
  await node.close();
  const db = await ChainDB.open(location);
  assert.deepEqual(await verifyChainDB(db), []);
  await db.close();
});
