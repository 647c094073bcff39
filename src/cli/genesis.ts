/**
 * `gradientcoin genesis`: writes the genesis file of a new private network. It starts from an
 * existing genesis (the repository's by default), applies the options, validates the result with
 * the parser every node runs, and prints the chain id; every machine of the network must then use
 * this same file.
 */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { DEFAULT_GENESIS_PATH } from '../../chain/genesis.ts';
import { GenesisError } from '../../chain/genesis-json.ts';
import { writePskFile } from '../p2p/pnet.ts';
import { formatAmount, parseAmount } from '../wallet/amounts.ts';
import { resolveCorpus } from '../testnet/corpus-choice.ts';
import {
  buildGenesis,
  checkAllocationAddress,
  deriveGenesisJson,
  genesisText,
  readGenesisJson,
  type AllocationText,
  type GenesisOverrides,
} from '../testnet/genesis-builder.ts';
import { collect, integer } from './options.ts';
import { describeError } from '../../trainer/coded-error.ts';

interface GenesisOptions {
  readonly out: string;
  readonly from: string;
  readonly network?: string;
  readonly prefix?: string;
  readonly blockTime?: number;
  readonly maturity?: number;
  readonly alloc: string[];
  readonly modelLayers?: number;
  readonly modelWidth?: number;
  readonly modelHeads?: number;
  readonly context?: number;
  readonly modelSeed?: string;
  readonly corpus?: string;
  readonly timestamp?: number;
  readonly message?: string;
  readonly force?: boolean;
  readonly swarmKey?: string;
}

export function register(program: Command): void {
  program
    .command('genesis')
    .description('write the genesis file of a new private network and print its chain id')
    .requiredOption('--out <path>', 'where to write the new genesis file')
    .option('--from <path>', 'the genesis to start from; every field not set by an option is kept', DEFAULT_GENESIS_PATH)
    .option('--network <name>', 'network name (1 to 32 of a-z, 0-9 and -)')
    .option('--prefix <letters>', 'address prefix (1 to 16 lowercase letters), e.g. gcp for gcp1q… addresses')
    .option('--block-time <seconds>', 'target block time; the starting difficulty is scaled to match', integer(1, 86_400))
    .option('--maturity <blocks>', "blocks before a mined or contributed reward can be spent (default: the template's)", integer(0, 10_000))
    .option('--alloc <address=GC>', 'credit GC to an address at genesis (repeatable; replaces the template\'s list)', collect, [])
    .option('--model-layers <n>', 'transformer layers', integer(1, 64))
    .option('--model-width <n>', 'residual width (a multiple of the heads)', integer(1, 8192))
    .option('--model-heads <n>', 'attention heads', integer(1, 256))
    .option('--context <n>', 'context length in bytes', integer(1, 4096))
    .option('--model-seed <text>', 'seed of the initial model (default: the template\'s)')
    .option('--corpus <brown|folder>', '"brown", or a folder of .txt files; its content hash goes into the genesis')
    .option('--timestamp <seconds>', 'genesis time, seconds since 1970 (default: now)', integer(0, 2 ** 40))
    .option('--message <text>', 'a message committed to by the genesis block (at most 200 characters)')
    .option('--force', 'overwrite --out if it exists')
    .option('--swarm-key <path>', "also write a new pre-shared key (mode 0600) that closes the network to hosts without it; nodes read <datadir>/swarm.key or --psk")
    .action(async (opts: GenesisOptions) => {
      const template = await readGenesisJson(opts.from);
      const prefix = opts.prefix ?? (typeof template['addressPrefix'] === 'string' ? template['addressPrefix'] : '');
      const allocations = opts.alloc.map((text, i) => parseAllocation(text, prefix, i));
      const pageSize = pageSizeOf(template);
      let corpusNote = '';
      let corpus: GenesisOverrides['corpus'];
      if (opts.corpus !== undefined) {
        const summary = await resolveCorpus(opts.corpus, pageSize);
        corpus = summary.choice;
        corpusNote = `, corpus ${summary.choice.source === 'brown' ? 'brown' : summary.choice.path} (${summary.bytes} bytes, ${summary.pages} pages)`;
      }
      const model = {
        ...(opts.modelLayers !== undefined ? { layers: opts.modelLayers } : {}),
        ...(opts.modelWidth !== undefined ? { width: opts.modelWidth } : {}),
        ...(opts.modelHeads !== undefined ? { heads: opts.modelHeads } : {}),
        ...(opts.context !== undefined ? { contextLength: opts.context } : {}),
      };
      const overrides: GenesisOverrides = {
        timestamp: opts.timestamp ?? Math.floor(Date.now() / 1000),
        ...(opts.network !== undefined ? { network: opts.network } : {}),
        ...(opts.prefix !== undefined ? { addressPrefix: opts.prefix } : {}),
        ...(opts.blockTime !== undefined ? { blockTimeSeconds: opts.blockTime } : {}),
        ...(opts.maturity !== undefined ? { maturity: opts.maturity } : {}),
        ...(opts.alloc.length > 0 ? { allocations } : {}),
        ...(Object.keys(model).length > 0 ? { model } : {}),
        ...(opts.modelSeed !== undefined ? { modelInitSeed: opts.modelSeed } : {}),
        ...(corpus !== undefined ? { corpus } : {}),
        ...(opts.message !== undefined ? { message: opts.message } : {}),
      };
      const built = buildGenesis(deriveGenesisJson(template, overrides));
      await writeGenesisFile(opts.out, genesisText(built.json), opts.force ?? false);
      const { params } = built.genesis;
      const total = params.allocations.reduce((sum, a) => sum + a.amount, 0n);
      note(
        `genesis of network "${params.network}" written to ${opts.out}: block time ${params.pow.blockTimeSeconds} s, ` +
          `model ${params.model.layers}x${params.model.width} (${params.model.heads} heads, context ${params.model.contextLength})` +
          `${corpusNote}, ${params.allocations.length} allocation${params.allocations.length === 1 ? '' : 's'} (${formatAmount(total)} GC), ` +
          `rewards spendable ${params.rewards.maturity ?? 0} blocks after they are earned`,
      );
      if (opts.swarmKey !== undefined) await writeSwarmKey(opts.swarmKey);
      note('chain id:');
      process.stdout.write(`${built.chainId}\n`);
    });
}

/** `<address>=<GC>`: the address must be valid with the prefix the new network will use. */
export function parseAllocation(text: string, prefix: string, index: number): AllocationText {
  const at = text.lastIndexOf('=');
  if (at <= 0) throw new GenesisError(`allocations[${index}]`, `--alloc takes <address>=<GC>, got ${JSON.stringify(text)}`);
  const address = text.slice(0, at).trim();
  checkAllocationAddress(prefix, address, index);
  return { address, amount: parseAmount(text.slice(at + 1), `allocation ${index + 1}`) };
}

async function writeGenesisFile(path: string, text: string, force: boolean): Promise<void> {
  try {
    await writeFile(path, text, { flag: force ? 'w' : 'wx', mode: 0o644 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new GenesisError('(file)', `${path} exists; pass --force to overwrite it (a network's genesis should never change once nodes use it)`);
    }
    throw new GenesisError('(file)', `cannot write ${path}: ${describeError(err)}`);
  }
}

async function writeSwarmKey(path: string): Promise<void> {
  try {
    await writePskFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new GenesisError('(swarm key)', `${path} exists; a swarm key is never overwritten`);
    throw err;
  }
  note(`swarm key written to ${path} (mode 0600): copy it to every node of the network as <datadir>/swarm.key, or pass --psk`);
}

function pageSizeOf(template: Record<string, unknown>): number {
  const corpus = template['corpus'];
  const size = typeof corpus === 'object' && corpus !== null ? (corpus as Record<string, unknown>)['pageSize'] : undefined;
  return typeof size === 'number' ? size : 4096;
}


function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
