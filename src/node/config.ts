/**
 * The node's settings as the command line gives them, checked one by one so that a bad value is
 * refused with its option's name before anything starts. Defaults follow bitcoind's layout: the
 * P2P port, then the RPC port one above it.
 */
import { CodedError, describeError } from '../../trainer/coded-error.ts';
import { isIPv4, isIPv6 } from 'node:net';
import { cpus } from 'node:os';
import { multiaddr } from '@multiformats/multiaddr';

export const DEFAULT_P2P_PORT = 18444;
export { DEFAULT_RPC_PORT } from '../rpc/client.ts';
/** Listen on every interface, as bitcoind: peers on other machines and mDNS need it. */
export const DEFAULT_BIND = '0.0.0.0';
export const MAX_THREADS = 256;

export type ConfigCode = 'bad-port' | 'bad-threads' | 'bad-verify-threads' | 'bad-assume-valid' | 'bad-bootnode' | 'bad-bind' | 'bad-rpc-auth' | 'missing-miner-address' | 'missing-wallet';

export class ConfigError extends CodedError<ConfigCode> {}

/** A TCP port; 0 (let the system pick) only where `allowZero`. */
export function parsePort(text: string, option: string, allowZero = false): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= (allowZero ? 0 : 1) && port <= 65535)) {
    throw new ConfigError('bad-port', `${option} must be a port number from ${allowZero ? 0 : 1} to 65535, got "${text}"`);
  }
  return port;
}

export function parseThreads(text: string): number {
  const n = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_THREADS)) throw new ConfigError('bad-threads', `--threads must be from 1 to ${MAX_THREADS}, got "${text}"`);
  return n;
}

/** Mining threads when none are asked for: every core but one, so the node itself stays responsive. */
export function defaultThreads(): number {
  return Math.max(1, cpus().length - 1);
}

/** Threads scoring a block's contributions, the node's own included: 1 to MAX_THREADS. */
export function parseVerifyThreads(text: string): number {
  const n = /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_THREADS)) throw new ConfigError('bad-verify-threads', `--verify-threads must be from 1 to ${MAX_THREADS}, got "${text}"`);
  return n;
}

/** Verifier threads when none are asked for: every core (the node waits for the block's scores anyway). */
export function defaultVerifyThreads(): number {
  return Math.max(1, cpus().length);
}

/**
 * The assume-valid block of each network as released (Bitcoin Core ships one per version): the
 * ancestors of this hash are connected with their reports' scores. None is set yet for any network,
 * so the default is the genesis, which trusts nothing.
 */
export const RELEASE_ASSUME_VALID: Readonly<Record<string, string>> = Object.freeze({});

/** The network's released assume-valid hash, else its genesis (nothing trusted). */
export function defaultAssumeValid(network: string, genesisHash: Uint8Array): Uint8Array {
  const released = RELEASE_ASSUME_VALID[network];
  return released === undefined ? genesisHash : Uint8Array.from(Buffer.from(released, 'hex'));
}

/** A block hash (64 hex digits) whose ancestors' scores are trusted, or "0": score every block (null). */
export function parseAssumeValid(text: string): Uint8Array | null {
  const t = text.trim();
  if (t === '0') return null;
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new ConfigError('bad-assume-valid', `--assume-valid must be a block hash of 64 hex digits, or 0 to score every block, got "${text}"`);
  return Uint8Array.from(Buffer.from(t, 'hex'));
}

/** Comma-separated multiaddrs, each naming the peer: /ip4/1.2.3.4/tcp/18444/p2p/12D3KooW… */
export function parseBootnodes(text: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const address of list) {
    let peer: string | undefined;
    try {
      peer = multiaddr(address).getComponents().find((c) => c.name === 'p2p')?.value;
    } catch (err) {
      throw new ConfigError('bad-bootnode', `--bootnodes: "${address}" is not a multiaddr (${describeError(err)})`);
    }
    if (!peer) throw new ConfigError('bad-bootnode', `--bootnodes: "${address}" must end with /p2p/<peer id>`);
  }
  return list;
}

export function parseBind(text: string): string {
  if (!isIPv4(text) && !isIPv6(text)) throw new ConfigError('bad-bind', `--bind must be an IPv4 or IPv6 address, got "${text}"`);
  return text;
}

/** The libp2p listen address for an interface and port. */
export function listenAddress(bind: string, port: number): string {
  return `/${isIPv6(bind) ? 'ip6' : 'ip4'}/${bind}/tcp/${port}`;
}
