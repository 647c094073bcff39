/**
 * The plan of a private testnet on this machine: which processes run, on which loopback ports,
 * with which data folders and command lines. Pure: nothing here touches the disk or the network,
 * so the plan can be printed, tested and written to the testnet's manifest as it is.
 *
 *   <datadir>/genesis.json          the network (the repository's, or derived for --block-time)
 *   <datadir>/wallet-password       the password of every wallet below (mode 0600)
 *   <datadir>/testnet.json          the manifest: processes, ports, peer ids, addresses, pids
 *   <datadir>/node-<i>/             each node's datadir (chain, peer.key, .cookie, wallets/miner.json)
 *   <datadir>/contributor-<i>/      each contributor's wallet (wallets/contributor.json)
 *   <datadir>/logs/<name>.log       every process's output
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADVERSARY_KINDS, type AdversaryKind } from '../contributor/adversaries.ts';
import { MAX_CONTRIBUTORS, MAX_NODES } from './names.ts';
import { CodedError } from '../../trainer/coded-error.ts';

export { DEFAULT_BASE_PORT, DEFAULT_TESTNET_DATADIR, MAX_CONTRIBUTORS, MAX_NODES } from './names.ts';

const BIN = fileURLToPath(new URL('../../bin/gradientcoin.js', import.meta.url));
const CONTRIBUTOR_MAIN = fileURLToPath(new URL('./contributor-main.ts', import.meta.url));

export type ContributorKind = 'honest' | AdversaryKind;

export interface TestnetOptions {
  readonly datadir: string;
  readonly nodes: number;
  readonly miners: number;
  readonly contributors: number;
  /** One contributor of each adversary kind besides the honest ones. */
  readonly adversaries: boolean;
  /** A block time other than the genesis' (a derived genesis is written). */
  readonly blockTime?: number;
  readonly basePort: number;
  /** Mining threads per miner. */
  readonly threads: number;
  /** Addresses the miners pay, in order; miners beyond the list get a wallet of their own. */
  readonly minerAddresses: readonly string[];
  readonly fresh: boolean;
  readonly logLevel: string;
}

export interface NodePlan {
  readonly name: string;
  readonly index: number;
  readonly datadir: string;
  readonly p2pPort: number;
  readonly rpcPort: number;
  readonly mining: boolean;
  readonly log: string;
}

export interface ContributorPlan {
  readonly name: string;
  readonly index: number;
  readonly kind: ContributorKind;
  /** Holds wallets/contributor.json. */
  readonly datadir: string;
  /** The node it trains against and submits to. */
  readonly node: number;
  readonly log: string;
}

export interface TestnetPlan {
  readonly root: string;
  readonly genesis: string;
  readonly passwordFile: string;
  readonly manifest: string;
  readonly logs: string;
  readonly nodes: readonly NodePlan[];
  readonly contributors: readonly ContributorPlan[];
}

export class TestnetConfigError extends CodedError<'bad-option'> {
  constructor(reason: string) {
    super('bad-option', reason);
  }
}

export function planTestnet(opts: TestnetOptions): TestnetPlan {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > MAX_NODES) {
    throw new TestnetConfigError(`--nodes must be from 1 to ${MAX_NODES}, got ${opts.nodes}`);
  }
  if (!Number.isInteger(opts.miners) || opts.miners < 0 || opts.miners > opts.nodes) {
    throw new TestnetConfigError(`--miners must be from 0 to the number of nodes (${opts.nodes}), got ${opts.miners}`);
  }
  if (!Number.isInteger(opts.contributors) || opts.contributors < 0 || opts.contributors > MAX_CONTRIBUTORS) {
    throw new TestnetConfigError(`--contributors must be from 0 to ${MAX_CONTRIBUTORS}, got ${opts.contributors}`);
  }
  if (opts.minerAddresses.length > opts.miners) {
    throw new TestnetConfigError(`${opts.minerAddresses.length} miner addresses given for ${opts.miners} miner${opts.miners === 1 ? '' : 's'}`);
  }
  // Two ports per node, and each must be a valid TCP port.
  if (!Number.isInteger(opts.basePort) || opts.basePort < 1024 || opts.basePort + 2 * opts.nodes > 65535) {
    throw new TestnetConfigError(`--base-port must leave room for ${2 * opts.nodes} ports from 1024 to 65535, got ${opts.basePort}`);
  }
  const root = resolve(opts.datadir);
  const logs = join(root, 'logs');
  const nodes: NodePlan[] = Array.from({ length: opts.nodes }, (_, i) => ({
    name: `node-${i}`,
    index: i,
    datadir: join(root, `node-${i}`),
    p2pPort: opts.basePort + 2 * i,
    rpcPort: opts.basePort + 2 * i + 1,
    mining: i < opts.miners,
    log: join(logs, `node-${i}.log`),
  }));
  const kinds: ContributorKind[] = [
    ...Array.from({ length: opts.contributors }, (): ContributorKind => 'honest'),
    ...(opts.adversaries ? ADVERSARY_KINDS : []),
  ];
  // Contributors talk to the nodes that do not mine first: a miner's CPU is busy enough.
  const order = [...nodes.filter((n) => !n.mining), ...nodes.filter((n) => n.mining)];
  const contributors: ContributorPlan[] = kinds.map((kind, i) => {
    const name = kind === 'honest' ? `honest-${i}` : kind;
    return { name, index: i, kind, datadir: join(root, `contributor-${i}`), node: order[i % order.length]!.index, log: join(logs, `${name}.log`) };
  });
  return {
    root,
    genesis: join(root, 'genesis.json'),
    passwordFile: join(root, 'wallet-password'),
    manifest: join(root, 'testnet.json'),
    logs,
    nodes,
    contributors,
  };
}

export interface NodeIdentity {
  /** The libp2p peer id (from the node's peer.key, made before it starts). */
  readonly peerId: string;
  /** The address its mined blocks pay (miners only). */
  readonly minerAddress: string | null;
}

/** The loopback multiaddr other nodes dial. */
export function nodeMultiaddr(node: NodePlan, peerId: string): string {
  return `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${peerId}`;
}

/** `gradientcoin node …` for one node: loopback only, no mDNS, every other node as a bootnode. */
export function nodeArgs(plan: TestnetPlan, node: NodePlan, ids: readonly NodeIdentity[], opts: Pick<TestnetOptions, 'threads' | 'logLevel'>): string[] {
  const bootnodes = plan.nodes.filter((n) => n.index !== node.index).map((n) => nodeMultiaddr(n, ids[n.index]!.peerId));
  const args = [
    BIN, 'node',
    '--datadir', node.datadir,
    '--genesis', plan.genesis,
    '--bind', '127.0.0.1',
    '--port', String(node.p2pPort),
    '--rpc-port', String(node.rpcPort),
    '--no-mdns',
    '--log-level', opts.logLevel,
    '--no-log-file',
  ];
  if (bootnodes.length > 0) args.push('--bootnodes', bootnodes.join(','));
  const minerAddress = ids[node.index]!.minerAddress;
  if (node.mining && minerAddress !== null) args.push('--mine', '--miner-address', minerAddress, '--threads', String(opts.threads));
  return args;
}

/**
 * The command line of one contributor. Contributors are light clients of a node: they read the
 * tip's model over its RPC (`getmodel`), train, and submit over it (`submitcontribution`), so a
 * contributor costs a trainer, not a second full node. This is the one place that says how a
 * contributor is started.
 */
export function contributorArgs(plan: TestnetPlan, contributor: ContributorPlan, extra: { readonly pagesOf?: string } = {}): string[] {
  const node = plan.nodes[contributor.node]!;
  const args = [
    CONTRIBUTOR_MAIN,
    '--name', contributor.name,
    '--kind', contributor.kind,
    '--genesis', plan.genesis,
    '--wallet-dir', contributor.datadir,
    '--password-file', plan.passwordFile,
    '--rpc-port', String(node.rpcPort),
    '--node-datadir', node.datadir,
  ];
  if (extra.pagesOf !== undefined) args.push('--pages-of', extra.pagesOf);
  return args;
}

export function isContributorKind(text: string): text is ContributorKind {
  return text === 'honest' || (ADVERSARY_KINDS as readonly string[]).includes(text);
}
