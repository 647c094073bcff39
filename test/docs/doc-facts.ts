/**
 * What README.md and docs/*.md claim about the program, read out of the text, and what the program
 * says about itself: its commands and options (commander's own definitions) and the chain id of
 * the repository's genesis.json. Shared by test/docs/docs.test.ts and test/docs/docs-check.ts
 * (`npm run docs:check`), which prints or fixes chain ids that a genesis change left behind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { loadGenesis } from '../../chain/genesis.ts';
import { toHex } from '../../consensus/hash.ts';
import { registerCommands } from '../../src/cli/commands.ts';
import { rpcMethods } from '../../src/rpc/methods/registry.ts';
import { gauntletMethods, type GauntletRpcOptions } from '../../src/rpc/methods/gauntlet.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface DocFile {
  /** Relative to the repository: README.md, docs/wallet.md. */
  readonly path: string;
  readonly lines: readonly string[];
}

export function docFiles(): DocFile[] {
  const docs = readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(REPO, 'docs', f));
  return [join(REPO, 'README.md'), ...docs].map((file) => ({ path: relative(REPO, file), lines: readFileSync(file, 'utf8').split('\n') }));
}

/** Every command path ("wallet send") with its long options ("--fee"). */
export function commandOptions(): Map<string, Set<string>> {
  const program = new Command();
  registerCommands(program);
  const out = new Map<string, Set<string>>();
  const walk = (cmd: Command, path: readonly string[]): void => {
    for (const sub of cmd.commands) {
      const here = [...path, sub.name()];
      out.set(here.join(' '), new Set(sub.options.map((o) => o.long).filter((l): l is string => l !== undefined)));
      walk(sub, here);
    }
  };
  walk(program, []);
  return out;
}

/** The node's methods, the Gauntlet's included (built on a stand-in: only their names are read). */
export function rpcMethodNames(): Set<string> {
  const gauntlet = gauntletMethods({ insight: { chain: null } as unknown as GauntletRpcOptions['insight'], contributions: null });
  return new Set(Object.keys(rpcMethods(gauntlet)));
}

/** The chain id of the repository's genesis.json, as hex. */
export async function repositoryChainId(): Promise<string> {
  return toHex((await loadGenesis()).hash);
}

/** A place where the docs show the repository network's chain id (whole, or its first 12 digits and "…"). */
export interface ChainIdMention {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly shown: string;
  readonly short: boolean;
}

/**
 * The repository network's chain id appears as "chain id <64 hex>", "genesis <64 hex>",
 * "(chain <12 hex>…", or "genesis": "<64 hex>" next to "gradientcoin-testnet". Other networks'
 * ids (a `gradientcoin genesis` example prints its new network's id on a line of its own) and block
 * hashes are left alone.
 */
export function chainIdMentions(files: readonly DocFile[]): ChainIdMention[] {
  const patterns = [/chain id ([0-9a-f]{64})/g, /\(genesis ([0-9a-f]{64})/g, /"genesis": "([0-9a-f]{64})"/g, /\(chain ([0-9a-f]{12})…/g, /"gradientcoin-testnet" \(chain id ([0-9a-f]{12})…/g];
  const out: ChainIdMention[] = [];
  for (const file of files) {
    file.lines.forEach((text, i) => {
      // The network's name on the line, or as the "chain" of the JSON object just above.
      if (!text.includes('gradientcoin-testnet') && !(text.includes('"genesis": ') && (file.lines[i - 1] ?? '').includes('"chain": "gradientcoin-testnet"'))) return;
      for (const pattern of patterns) {
        for (const m of text.matchAll(pattern)) out.push({ file: file.path, line: i + 1, shown: m[1]!, short: m[1]!.length === 12 });
      }
    });
  }
  return out;
}

export function isCurrent(mention: ChainIdMention, chainId: string): boolean {
  return mention.short ? chainId.startsWith(mention.shown) : mention.shown === chainId;
}

/** A `gradientcoin …` invocation in a doc, with the options it passes. */
export interface Invocation {
  readonly file: string;
  readonly line: number;
  readonly command: string;
  readonly options: readonly string[];
  /** For `gradientcoin rpc … <method>`: the method named. */
  readonly rpcMethod?: string;
}

/**
 * Invocations in code: lines of fenced blocks starting with "$ gradientcoin" or "gradientcoin"
 * (continued over trailing backslashes), and inline code spans starting with "gradientcoin".
 */
export function invocations(files: readonly DocFile[], commands: ReadonlyMap<string, unknown>): Invocation[] {
  const out: Invocation[] = [];
  for (const file of files) {
    let fenced = false;
    for (let i = 0; i < file.lines.length; i++) {
      const text = file.lines[i]!;
      if (text.trimStart().startsWith('```')) {
        fenced = !fenced;
        continue;
      }
      const candidates: string[] = [];
      if (fenced) {
        let full = text.replace(/^\s*(\$\s+)?(GC_WALLET_PASSWORD=\S+\s+)?/, '');
        if (!full.startsWith('gradientcoin ')) continue;
        for (let j = i; full.endsWith('\\') && j + 1 < file.lines.length; j++) full = `${full.slice(0, -1)} ${file.lines[j + 1]!.trim()}`;
        candidates.push(full.replace(/\s+#.*$/, ''));
      } else {
        for (const m of text.matchAll(/`(gradientcoin [^`\\]+)`/g)) candidates.push(m[1]!);
      }
      for (const c of candidates) {
        const parsed = parseInvocation(c, commands);
        if (parsed) out.push({ file: file.path, line: i + 1, ...parsed });
      }
    }
  }
  return out;
}

function parseInvocation(text: string, commands: ReadonlyMap<string, unknown>): Omit<Invocation, 'file' | 'line'> | null {
  const words = text.split(/\s+/).filter((w) => w.length > 0).slice(1);
  if (words.length === 0 || words[0]!.startsWith('-') || words[0] === '…' || words[0] === '<subcommand>') return null;
  let command = words[0]!;
  if (commands.has(`${command} ${words[1] ?? ''}`)) command = `${command} ${words[1]}`;
  const options = words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.replace(/[=,.)`].*$/, ''));
  const rest = words.slice(command.split(' ').length).filter((w) => !w.startsWith('-'));
  const rpcMethod = command === 'rpc' ? rest.find((w) => /^[a-z]+$/.test(w) && w !== 'help') : undefined;
  return { command, options, ...(rpcMethod ? { rpcMethod } : {}) };
}

/** Every `--option` named anywhere in the docs, prose included. */
export function namedOptions(files: readonly DocFile[]): Set<string> {
  const out = new Set<string>();
  for (const file of files) for (const text of file.lines) for (const m of text.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)) out.add(m[1]!);
  return out;
}
