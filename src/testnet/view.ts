/**
 * The testnet's live view. On a terminal it is one screen redrawn in place (ANSI cursor movement:
 * up to the first line, rewrite each line, clear what is left), so the terminal's history keeps
 * nothing but the final summary; anywhere else (CI, a pipe) it is one compact status line every
 * few seconds. Rendering is a pure function of a snapshot, so it is tested without a terminal.
 */
import { formatAmount } from '../wallet/amounts.ts';
import type { ContributorStatus, NodeStatus, TestnetSnapshot } from './monitor.ts';

export interface RenderOptions {
  /** Terminal columns; lines are cut to fit. */
  readonly width: number;
  /** ANSI bold and dim. */
  readonly color: boolean;
}

const SPARKS = '▁▂▃▄▅▆▇█';
const BAR_WIDTH = 20;

export function renderView(s: TestnetSnapshot, opts: RenderOptions): string[] {
  const b = (t: string): string => (opts.color ? `\x1b[1m${t}\x1b[22m` : t);
  const d = (t: string): string => (opts.color ? `\x1b[2m${t}\x1b[22m` : t);
  const lines: string[] = [];
  const best = bestNode(s.nodes);
  const hashRate = s.nodes.reduce((sum, n) => sum + (n.mining ? n.hashRate : 0), 0);
  const miners = s.nodes.filter((n) => n.mining).length;

  lines.push(`${b('GradientCoin private testnet')} ${s.network} ${d(`(chain ${s.chainId.slice(0, 12)}…)`)}  up ${duration(s.clockMs - s.startedMs)}`);
  lines.push(d(`dashboard ${s.dashboard}   data ${s.root}   logs ${s.logs}`));
  lines.push('');

  if (best?.height !== null && best?.height !== undefined && best.tipTime !== null) {
    const age = Math.max(0, s.clockMs / 1000 - best.tipTime);
    // At height 0 the tip's time is the genesis', which may be days old: not a "last block".
    const last = best.height === 0 ? 'waiting for block 1' : `last block ${duration(age * 1000)} ago`;
    lines.push(
      `${b('Chain')}   height ${b(String(best.height))}   tip ${best.tip!.slice(0, 16)}…   ${last}   ` +
        `hash rate ${rate(hashRate)} (${miners} miner${miners === 1 ? '' : 's'})   target ${s.blockTimeSeconds} s/block`,
    );
    lines.push(`        ${nextBlock(age, s.blockTimeSeconds, s.collectionWindowSeconds)}`);
  } else {
    lines.push(`${b('Chain')}   ${spinner(s.clockMs)} starting the nodes…`);
    lines.push('');
  }

  const m = s.model;
  if (m && m.heldOutLoss !== null) {
    const first = m.history[0];
    const change = first && first.height < m.height ? `, ${signed(m.heldOutLoss - first.loss)} since height ${first.height}` : '';
    lines.push(`${b('Model')}   held-out loss ${b(m.heldOutLoss.toFixed(4))} at height ${m.height}${change}   ${sparkline(m.history.map((p) => p.loss))}`);
  } else {
    lines.push(`${b('Model')}   ${d('waiting for the first measurement of the held-out loss…')}`);
  }
  lines.push('');

  lines.push(b('Nodes'));
  for (const n of s.nodes) lines.push(`  ${nodeLine(n, s.clockMs)}`);
  if (s.contributors.length > 0) {
    lines.push('');
    lines.push(b('Contributors') + d('        rating: mu, sigma, ordinal (mu − 3σ), binaryMA; final = ordinal⁺ · binaryMA⁺'));
    lines.push(d(`  ${'name'.padEnd(12)} ${'address'.padEnd(16)} ${'mu'.padStart(6)} ${'sigma'.padStart(6)} ${'ord'.padStart(6)} ${'bMA'.padStart(6)} ${'final'.padStart(6)} ${'blocks'.padStart(6)} ${'earned GC'.padStart(13)}  now`));
    const sorted = [...s.contributors].sort((x, y) => (y.rating?.final ?? -1) - (x.rating?.final ?? -1) || x.name.localeCompare(y.name));
    for (const c of sorted) lines.push(`  ${contributorLine(c, s.clockMs)}`);
  }
  lines.push('');
  lines.push(d('Ctrl-C stops every process of the testnet; its data stays for the next start (--fresh starts over).'));
  return lines.map((l) => cut(l, opts.width));
}

/** One line for logs and CI: height, tip age, hash rate, loss, peers, contributors' earnings. */
export function renderStatusLine(s: TestnetSnapshot): string {
  const best = bestNode(s.nodes);
  const hashRate = s.nodes.reduce((sum, n) => sum + (n.mining ? n.hashRate : 0), 0);
  const parts = [`[testnet ${duration(s.clockMs - s.startedMs)}]`];
  if (best?.height !== null && best?.height !== undefined && best.tipTime !== null) {
    parts.push(
      best.height === 0 ? 'height 0 (waiting for block 1)' : `height ${best.height} (last ${duration(Math.max(0, s.clockMs - best.tipTime * 1000))} ago)`,
    );
  } else {
    parts.push('starting');
  }
  parts.push(`hash ${rate(hashRate)}`);
  if (s.model && s.model.heldOutLoss !== null) parts.push(`loss ${s.model.heldOutLoss.toFixed(4)}`);
  parts.push(`peers ${s.nodes.map((n) => (n.error !== null || n.exited !== null ? '-' : String(n.peers))).join('/')}`);
  if (s.contributors.length > 0) {
    const earned = s.contributors.reduce((sum, c) => sum + BigInt(c.rating?.rewards ?? '0'), 0n);
    const submitted = s.contributors.reduce((sum, c) => sum + c.submitted, 0);
    parts.push(`contributions ${submitted}, paid ${shortAmount(earned)} GC`);
  }
  const down = s.nodes.filter((n) => n.exited !== null).map((n) => n.name);
  if (down.length > 0) parts.push(`EXITED: ${down.join(', ')}`);
  return parts.join('  ');
}

function bestNode(nodes: readonly NodeStatus[]): NodeStatus | undefined {
  return [...nodes].filter((n) => n.height !== null).sort((a, b) => b.height! - a.height!)[0];
}

/** What the network is doing since its last block: collecting contributions, then the proof of work. */
function nextBlock(ageSeconds: number, blockTime: number, window: number): string {
  if (ageSeconds < window) return `next block: collecting contributions ${bar(ageSeconds / window)} ${Math.floor(ageSeconds)}/${window} s`;
  const expected = Math.max(1, blockTime - window);
  return `next block: scoring contributions and searching a nonce ${bar(Math.min(0.99, (ageSeconds - window) / expected))} ~${blockTime} s/block`;
}

function nodeLine(n: NodeStatus, clockMs: number): string {
  const name = n.name.padEnd(7);
  if (n.exited !== null) return `${name} EXITED (${n.exited}): see its log`;
  if (n.height === null) return `${name} ${spinner(clockMs)} starting (rpc ${n.rpcPort})`;
  const mining = n.mining ? `mining ${rate(n.hashRate).padStart(9)}, ${n.blocksFound} found` : 'not mining';
  const stale = n.error !== null ? `  (not answering: ${n.error.slice(0, 40)})` : '';
  return `${name} height ${String(n.height).padStart(5)}   peers ${n.peers}   mempool ${n.mempool}   ${mining}   rpc ${n.rpcPort}${stale}`;
}

function contributorLine(c: ContributorStatus, clockMs: number): string {
  const r = c.rating;
  const num = (x: number | undefined, digits = 2): string => (x === undefined ? '-' : x.toFixed(digits)).padStart(6);
  const rating = `${num(r?.mu)} ${num(r?.sigma)} ${num(r?.ordinal)} ${num(r?.binaryMA)} ${num(r?.final)} ${String(r?.contributions ?? 0).padStart(6)} ${shortAmount(BigInt(r?.rewards ?? '0')).padStart(13)}`;
  const label = c.kind === 'honest' ? c.name : `${c.name}*`;
  return `${label.padEnd(12)} ${shortAddress(c.address).padEnd(16)} ${rating}  ${activity(c, clockMs)}`;
}

function activity(c: ContributorStatus, clockMs: number): string {
  const since = clockMs - c.sinceMs;
  switch (c.state) {
    case 'starting':
      return `${spinner(clockMs)} loading the dataset`;
    case 'ready':
      return 'waiting for a tip';
    case 'training': {
      // Progress against the last round's duration: training takes about the same time each block.
      const estimate = c.lastRoundMs ?? 5_000;
      return `training ${bar(Math.min(0.99, since / estimate))} ${duration(since)}`;
    }
    case 'submitted':
      return c.lastReason === null ? `submitted ${duration(since)} ago (${c.accepted}/${c.submitted} accepted)` : `refused: ${c.lastReason}`;
    case 'skipped':
      return `idle: ${c.lastReason ?? ''}`;
    case 'error':
      return `error: ${c.lastReason ?? ''}`;
    case 'exited':
      return `EXITED (${c.lastReason ?? ''})`;
  }
}

export function bar(fraction: number, width = BAR_WIDTH): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.floor(f * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}]`;
}

export function sparkline(values: readonly number[]): string {
  if (values.length < 2) return '';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  return values.map((v) => SPARKS[Math.min(SPARKS.length - 1, Math.floor(((v - lo) / span) * SPARKS.length))]!).join('');
}

export function rate(hashesPerSecond: number): string {
  if (hashesPerSecond >= 1e6) return `${(hashesPerSecond / 1e6).toFixed(2)} MH/s`;
  if (hashesPerSecond >= 1e3) return `${(hashesPerSecond / 1e3).toFixed(0)} kH/s`;
  return `${Math.round(hashesPerSecond)} H/s`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function signed(x: number): string {
  return `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(4)}`;
}

/** GC with four decimals: enough to see rewards move, short enough for a table. */
export function shortAmount(units: bigint): string {
  const full = formatAmount(units);
  return full.slice(0, full.length - 4);
}

function shortAddress(address: string): string {
  return address.length > 16 ? `${address.slice(0, 8)}…${address.slice(-6)}` : address;
}

function spinner(clockMs: number): string {
  return '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[Math.floor(clockMs / 250) % 10]!;
}

/** Cuts a line to `width` visible columns, leaving ANSI sequences whole. */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      if (end > 0) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) continue;
    out += line[i];
    visible++;
  }
  return out;
}

/** Redraws a block of lines in place on a terminal. */
export class TtyView {
  readonly #out: NodeJS.WriteStream;
  #drawn = 0;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.#out.write('\x1b[?25l'); // hide the cursor while redrawing
  }

  draw(lines: readonly string[]): void {
    let text = this.#drawn > 0 ? `\x1b[${this.#drawn}A\r` : '';
    for (const line of lines) text += `\x1b[2K${line}\n`;
    text += '\x1b[J';
    this.#out.write(text);
    this.#drawn = lines.length;
  }

  /** Leaves the last frame on screen and gives the cursor back. */
  close(): void {
    this.#out.write('\x1b[?25h');
  }
}
