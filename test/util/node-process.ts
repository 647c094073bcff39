/**
 * Nodes as separate OS processes, as a person runs them: `gradientcoin node` (bin/gradientcoin.js
 * on this Node) with a temporary datadir, loopback ports, mDNS off, and a genesis written to a
 * temporary file from the repository's genesis.json with a recent timestamp, an easy proof of work
 * and a funded test key. Each is driven through its JSON-RPC with the project's own client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressFromPublicKey } from '../../chain/address.ts';
import { loadGenesis, type Genesis } from '../../chain/genesis.ts';
import { keyPairFromSecret, type KeyPair } from '../../chain/keys.ts';
import { RpcError, rpcCall, type RpcCallOptions, type RpcParams } from '../../src/rpc/client.ts';

export const BIN = fileURLToPath(new URL('../../bin/gradientcoin.js', import.meta.url));
const REPO_GENESIS = fileURLToPath(new URL('../../genesis.json', import.meta.url));

/** The funded key of the test networks: secret key 32 bytes of 0x01. */
export const FUNDED: KeyPair = keyPairFromSecret(new Uint8Array(32).fill(1));
export const FUNDED_AMOUNT = 1_000n * 100_000_000n;

export interface TestNetworkGenesis {
  readonly path: string;
  readonly genesis: Genesis;
  readonly prefix: string;
}

export interface GenesisSettings {
  /** Compact target of block 1 (and the ASERT anchor). */
  readonly bits: number;
  readonly blockTimeSeconds: number;
  /** Seconds before now; blocks must come after it and no more than 2 minutes ahead of the clock. */
  readonly ageSeconds: number;
}

/** Writes `<dir>/genesis.json`: the repository's network with these changes, and FUNDED funded. */
export async function writeTestGenesis(dir: string, settings: GenesisSettings): Promise<TestNetworkGenesis> {
  const json = JSON.parse(await readFile(REPO_GENESIS, 'utf8')) as Record<string, unknown> & { pow: Record<string, unknown>; addressPrefix: string };
  json['network'] = 'gc-multiprocess-test';
  json['timestamp'] = Math.floor(Date.now() / 1000) - settings.ageSeconds;
  json.pow = { ...json.pow, genesisBits: settings.bits, blockTimeSeconds: settings.blockTimeSeconds };
  // Miners wait this long after each tip for contributions: keep it within the short block time.
  json['gauntlet'] = { ...(json['gauntlet'] as Record<string, unknown>), collectionWindowSeconds: Math.floor(settings.blockTimeSeconds / 2) };
  // And contributors must train within that window on a loaded 2-core machine: the testnet's 100
  // steps take 2 s there idle but 15 s under load, so these short blocks get a short run.
  json['training'] = { ...(json['training'] as Record<string, unknown>), innerSteps: 20 };
  json['allocations'] = [{ address: addressFromPublicKey(json.addressPrefix, FUNDED.publicKey), amount: FUNDED_AMOUNT.toString() }];
  const path = join(dir, 'genesis.json');
  await writeFile(path, JSON.stringify(json, null, 2));
  return { path, genesis: await loadGenesis(path), prefix: json.addressPrefix };
}

/** A port nothing listens on right now (the system's pick, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface NodeProcessOptions {
  readonly name: string;
  readonly datadir: string;
  /** Default: the datadir's own (from `gradientcoin init`). */
  readonly genesis?: string;
  readonly bootnodes?: readonly string[];
  readonly mine?: { readonly address: string; readonly threads: number };
  readonly logLevel?: string;
  /** More `gradientcoin node` options (e.g. --train). */
  readonly extraArgs?: readonly string[];
  /** More environment (e.g. the wallet password for --train). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly rpc: RpcCallOptions;
  readonly p2pPort: number;
  readonly exited: Promise<Exit>;
  #output = '';
  #exit: Exit | null = null;

  private constructor(name: string, child: ChildProcess, rpc: RpcCallOptions, p2pPort: number) {
    this.name = name;
    this.child = child;
    this.rpc = rpc;
    this.p2pPort = p2pPort;
    child.stdout?.on('data', (d: Buffer) => this.#append(d));
    child.stderr?.on('data', (d: Buffer) => this.#append(d));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      }),
    );
  }

  /** Spawns the node and resolves once its RPC answers. */
  static async start(o: NodeProcessOptions): Promise<NodeProcess> {
    const [p2pPort, rpcPort] = [await freePort(), await freePort()];
    const args = [
      BIN, 'node',
      '--datadir', o.datadir,
      ...(o.genesis === undefined ? [] : ['--genesis', o.genesis]),
      '--bind', '127.0.0.1',
      '--port', String(p2pPort),
      '--rpc-port', String(rpcPort),
      '--no-mdns',
      '--no-log-file',
      '--log-level', o.logLevel ?? 'info',
    ];
    if (o.bootnodes && o.bootnodes.length > 0) args.push('--bootnodes', o.bootnodes.join(','));
    if (o.mine) args.push('--mine', '--miner-address', o.mine.address, '--threads', String(o.mine.threads));
    args.push(...(o.extraArgs ?? []));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
    const node = new NodeProcess(o.name, child, { port: rpcPort, datadir: o.datadir, timeoutMs: 10_000 }, p2pPort);
    await node.#waitForRpc();
    return node;
  }

  get running(): boolean {
    return this.#exit === null;
  }

  /** What the process wrote, for a failure's message. */
  output(lastChars = 3_000): string {
    return this.#output.slice(-lastChars);
  }

  async call<T>(method: string, params: RpcParams = []): Promise<T> {
    return rpcCall<T>(this.rpc, method, params);
  }

  /** The first listen address with its peer id, for others' --bootnodes. */
  async address(): Promise<string> {
    const info = await this.call<{ localaddresses: string[] }>('getnetworkinfo');
    const address = info.localaddresses[0];
    if (!address) throw new Error(`${this.name} reports no listen address`);
    return address;
  }

  /** SIGKILL if it still runs (for `after` hooks: whatever happened, nothing is left behind). */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** A node that trains at start (--train) does not answer while it does: a timed-out call is tried again. */
  async #waitForRpc(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited (${JSON.stringify(this.#exit)}) before its RPC answered:\n${this.output()}`);
      try {
        await this.call('getblockcount');
        return;
      } catch (err) {
        const waiting = ['unreachable', 'no-credentials', 'unauthorized', 'timeout'];
        if (!(err instanceof RpcError) || !waiting.includes(err.code)) throw err;
      }
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`${this.name}: RPC did not answer within ${timeoutMs / 1000} s:\n${this.output()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  #append(data: Buffer): void {
    this.#output += data.toString();
    if (this.#output.length > 200_000) this.#output = this.#output.slice(-100_000);
  }
}

/** Polls `condition` until it holds; the failure names what was awaited. */
export async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
