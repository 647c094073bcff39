/**
 * `gradientcoin rpc <method> [params...]`: one JSON-RPC call to the local node, as bitcoin-cli.
 * Parameters are JSON where they read as JSON (numbers, true, null, {"a": 1}, [1, 2]) and strings
 * otherwise, so hashes and addresses need no quotes; with --named they are name=value pairs. A
 * string result is printed as it is (so `help` reads as text), anything else as indented JSON.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_RPC_PORT, rpcCall, type RpcParams } from '../rpc/client.ts';
import { ConfigError, parsePort } from '../node/config.ts';
import { DEFAULT_DATADIR } from '../node/datadir.ts';

interface RpcCommandOptions {
  readonly datadir: string;
  readonly rpcPort: number;
  readonly rpcUser?: string;
  readonly rpcPassword?: string;
  readonly named?: boolean;
  readonly timeout: number;
}

export function register(program: Command): void {
  program
    .command('rpc')
    .description("call the node's JSON-RPC and print the result (`gradientcoin rpc help` lists the methods)")
    .argument('<method>', 'the method, e.g. getblockchaininfo')
    .argument('[params...]', 'its parameters: JSON where they parse as JSON, else strings; name=value with --named')
    .option('--datadir <path>', "the node's data folder (for its cookie)", DEFAULT_DATADIR)
    .option('--rpc-port <port>', "the node's RPC port", portOption, DEFAULT_RPC_PORT)
    .option('--rpc-user <user>', 'RPC user, instead of the cookie')
    .option('--rpc-password <password>', 'RPC password, with --rpc-user')
    .option('--named', 'parameters are name=value pairs')
    .option('--timeout <seconds>', 'give up after this long', secondsOption, 30)
    .action(async (method: string, args: string[], opts: RpcCommandOptions) => {
      const params: RpcParams = opts.named ? namedParams(args) : args.map(parseParam);
      const result = await rpcCall<unknown>(
        {
          port: opts.rpcPort,
          datadir: opts.datadir,
          timeoutMs: opts.timeout * 1000,
          ...(opts.rpcUser !== undefined ? { user: opts.rpcUser } : {}),
          ...(opts.rpcPassword !== undefined ? { password: opts.rpcPassword } : {}),
        },
        method,
        params,
      );
      process.stdout.write(`${typeof result === 'string' ? result : JSON.stringify(result, null, 2)}\n`);
    });
}

/**
 * A command-line word as a parameter. A number is taken only if it reads back the same, so hex
 * such as "3e10" or "0012" stays a string rather than becoming 30000000000 or 12.
 */
export function parseParam(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof value === 'number') return String(value) === text ? value : text;
  if (typeof value === 'string') return text.startsWith('"') ? value : text;
  return value;
}

export function namedParams(args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new Error(`with --named every parameter is name=value, got "${arg}"`);
    out[arg.slice(0, eq)] = parseParam(arg.slice(eq + 1));
  }
  return out;
}

function portOption(text: string): number {
  try {
    return parsePort(text, '--rpc-port');
  } catch (err) {
    if (err instanceof ConfigError) throw new InvalidArgumentError(err.reason);
    throw err;
  }
}

function secondsOption(text: string): number {
  const n = Number(text);
  if (!(n > 0 && n <= 3600)) throw new InvalidArgumentError('--timeout must be a number of seconds from 0 to 3600');
  return n;
}
