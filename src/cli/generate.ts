/**
 * `gradientcoin generate`: text from the chain's model. The parameters come from a running node
 * (`getmodel`, at the tip or a past height) and are checked against the model hash the chain
 * committed to; the sampling runs here, with the reference forward pass, so a long sample never
 * holds up the node. With --offline the model is read from a stopped node's data folder instead.
 * A given model, prompt, seed and options give the same bytes on every machine.
 */
import { CodedError } from '../../trainer/coded-error.ts';
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { toHex } from '../../consensus/hash.ts';
import { paramLayout } from '../../trainer/layout.ts';
import { modelHashHex } from '../../trainer/model-hash.ts';
import { sampleText, MAX_SAMPLE_LENGTH } from '../../trainer/sample.ts';
import { parseModelSpec } from '../../trainer/spec.ts';
import { DEFAULT_RPC_PORT, rpcCall, type RpcCallOptions } from '../rpc/client.ts';

interface GenerateOptions {
  readonly datadir: string;
  readonly rpcPort: number;
  readonly rpcUser?: string;
  readonly rpcPassword?: string;
  readonly height?: number;
  readonly prompt: string;
  readonly length: number;
  readonly temperature: number;
  readonly topK?: number;
  readonly seed?: string;
  readonly offline?: boolean;
}

export interface FetchedModel {
  readonly height: number;
  readonly hash: string;
  readonly modelHash: string;
  readonly params: Float32Array;
  readonly layout: ReturnType<typeof paramLayout>;
}

export class GenerateError extends CodedError<'bad-model'> {}

export function register(program: Command): void {
  program
    .command('generate')
    .description("sample text from the chain's model (fetched from a running node, sampled here)")
    .option('--prompt <text>', 'the text to continue', 'The ')
    .option('--length <bytes>', `bytes to generate (1 to ${MAX_SAMPLE_LENGTH})`, integer(1, MAX_SAMPLE_LENGTH), 200)
    .option('--temperature <t>', 'softmax temperature; 0 always takes the most likely byte', nonNegative, 0.8)
    .option('--top-k <k>', 'sample only among the k most likely bytes (1 to 256)', integer(1, 256))
    .option('--seed <text>', 'seed of the sampler (default: random, printed so the text can be made again)')
    .option('--height <n>', 'the model after the block at this height (default: the tip)', integer(0, 2 ** 32 - 1))
    .option('--datadir <path>', "the node's data folder (for its RPC cookie)", join(homedir(), '.gradientcoin'))
    .option('--rpc-port <port>', "the node's JSON-RPC port", integer(1, 65535), DEFAULT_RPC_PORT)
    .option('--rpc-user <user>', "RPC user (default: the node's cookie in the data folder)")
    .option('--rpc-password <password>', 'RPC password, with --rpc-user')
    .option('--offline', "read the model from a stopped node's data folder (--datadir) instead of asking a running node")
    .action(async (opts: GenerateOptions) => {
      const rpc: RpcCallOptions = {
        port: opts.rpcPort,
        datadir: opts.datadir,
        timeoutMs: 120_000,
        ...(opts.rpcUser !== undefined ? { user: opts.rpcUser } : {}),
        ...(opts.rpcPassword !== undefined ? { password: opts.rpcPassword } : {}),
      };
      const model = opts.offline ? await readModel(opts.datadir, opts.height) : await fetchModel(rpc, opts.height);
      const seed = opts.seed ?? randomBytes(8).toString('hex');
      const prompt = new TextEncoder().encode(opts.prompt);
      if (prompt.length === 0) throw new InvalidArgumentError('--prompt must not be empty');
      process.stderr.write(
        `model at height ${model.height} (${model.modelHash.slice(0, 16)}…, ${model.params.length} parameters); ` +
          `seed ${JSON.stringify(seed)}, temperature ${opts.temperature}${opts.topK !== undefined ? `, top-k ${opts.topK}` : ''}\n`,
      );
      const text = sampleText(model.layout, model.params, prompt, {
        length: opts.length,
        temperature: opts.temperature,
        seed: new TextEncoder().encode(seed),
        ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
      });
      // Bytes as the model made them: it is byte-level, and a sample may split a UTF-8 character.
      process.stdout.write(Buffer.concat([prompt, text, Buffer.from('\n')]));
    });
}

/** The model at `height` (default the tip) from a node, checked against its model hash. */
export async function fetchModel(rpc: RpcCallOptions, height?: number): Promise<FetchedModel> {
  const answer = await rpcCall<Record<string, unknown>>(rpc, 'getmodel', height === undefined ? [] : [height]);
  const spec = parseModelSpec(answer['spec']);
  const layout = paramLayout(spec);
  const text = answer['params'];
  if (typeof text !== 'string') throw new GenerateError('bad-model', 'the node sent no parameters');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== layout.total * 4) {
    throw new GenerateError('bad-model', `the node sent ${bytes.length} bytes of parameters, the model needs ${layout.total * 4}`);
  }
  // A copy into aligned memory, read as little-endian floats whatever this machine's byte order.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const params = new Float32Array(layout.total);
  for (let i = 0; i < params.length; i++) params[i] = view.getFloat32(i * 4, true);
  const hash = modelHashHex(params);
  if (hash !== answer['modelHash']) {
    throw new GenerateError('bad-model', `the parameters hash to ${hash}, not to the model hash ${String(answer['modelHash'])} the node reports`);
  }
  return { height: Number(answer['height']), hash: String(answer['hash']), modelHash: hash, params, layout };
}

/**
 * The model at `height` from a node's data folder, opened as the node opens it (its lock keeps a
 * running node's folder out: stop the node, or ask it over RPC instead).
 */
export async function readModel(datadir: string, height?: number): Promise<FetchedModel> {
  const [{ Chain }, { loadGenesis }, { datadirLayout, resolveGenesisPath }, { ModelHistory }] = await Promise.all([
    import('../../chain/chain.ts'),
    import('../../chain/genesis.ts'),
    import('../node/datadir.ts'),
    import('../dashboard/model-history.ts'),
  ]);
  const layout = datadirLayout(datadir);
  const genesis = await loadGenesis(await resolveGenesisPath(layout));
  const chain = await Chain.open({ location: layout.chain, genesis });
  try {
    const at = await new ModelHistory(chain).modelAt(height ?? chain.height());
    return { height: at.entry.height, hash: toHex(at.entry.hash), modelHash: at.modelHash, params: Float32Array.from(at.model), layout: paramLayout(genesis.params.model) };
  } finally {
    await chain.close();
  }
}

function integer(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
    return n;
  };
}

function nonNegative(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number ≥ 0');
  return n;
}
