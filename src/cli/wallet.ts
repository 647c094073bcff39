/**
 * `gradientcoin wallet`: keys in an encrypted keystore under the data folder, and payments through
 * a local node's JSON-RPC. Commands that touch only the keystore (create, import, address, list)
 * work without a node; the others sign for, and show addresses of, the network of the node they
 * talk to (src/wallet/network.ts). Results go to stdout, one per line, for scripts; notes go to
 * stderr.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { decodeAddress } from '../../chain/address.ts';
import { loadGenesis } from '../../chain/genesis.ts';
import { transferId } from '../../chain/tx.ts';
import { toHex } from '../../consensus/hash.ts';
import { DEFAULT_RPC_PORT, type RpcCallOptions } from '../rpc/client.ts';
import { formatAmount, parseAmount } from '../wallet/amounts.ts';
import { WalletError } from '../wallet/errors.ts';
import { DEFAULT_SCRYPT, LIGHT_SCRYPT } from '../wallet/keystore.ts';
import { getAccount, getAddressHistory, sendRawTransaction, type AccountView, type HistoryEntry } from '../wallet/node-api.ts';
import { networkOfNode, offlineGenesisPath, type WalletNetwork } from '../wallet/network.ts';
import { readPassword } from '../wallet/password.ts';
import { readSecretKey } from '../wallet/secret-key.ts';
import { buildTransfer, checkPayment, DEFAULT_FEE, nextNonce } from '../wallet/transfer.ts';
import { DEFAULT_WALLET, WalletStore, checkWalletName, type WalletInfo } from '../wallet/wallet-store.ts';
import { DEFAULT_DATADIR } from '../node/datadir.ts';

const DEFAULT_HISTORY_LIMIT = 20;
const MAX_HISTORY_LIMIT = 1000;

interface WalletOptions {
  readonly datadir: string;
  readonly genesis?: string;
  readonly wallet: string;
  readonly passwordFile?: string;
  readonly lightKdf?: boolean;
  readonly secretFile?: string;
}

interface RpcOptions {
  readonly rpcPort: number;
  readonly nodeDatadir?: string;
  readonly rpcUser?: string;
  readonly rpcPassword?: string;
}

export function register(program: Command): void {
  const wallet = program
    .command('wallet')
    .description('hold, send and receive GC: an encrypted keystore per wallet, payments through a local node');

  passwordOption(walletOptions(wallet.command('create')))
    .description('create a wallet with a new random key and print its address')
    .addOption(lightKdfOption())
    .action(async (opts: WalletOptions) => {
      const { store } = await openOffline(opts);
      await refuseExisting(store, opts.wallet);
      const { password } = await readPassword({ passwordFile: opts.passwordFile, confirm: true, purpose: `new wallet "${opts.wallet}"` });
      const info = await store.create(opts.wallet, password);
      announce(info);
    });

  passwordOption(walletOptions(wallet.command('import')))
    .description('create a wallet from an existing secret key (64 hex digits, from --secret-file or stdin)')
    .option('--secret-file <path>', 'read the secret key from this file instead of stdin')
    .addOption(lightKdfOption())
    .action(async (opts: WalletOptions) => {
      const { store } = await openOffline(opts);
      await refuseExisting(store, opts.wallet);
      const secretKey = await readSecretKey(opts.secretFile === undefined ? {} : { secretFile: opts.secretFile });
      try {
        const { password } = await readPassword({ passwordFile: opts.passwordFile, confirm: true, purpose: `wallet "${opts.wallet}"` });
        announce(await store.import(opts.wallet, secretKey, password));
      } finally {
        secretKey.fill(0);
      }
    });

  walletOptions(wallet.command('address'))
    .description("print the wallet's address (no password needed)")
    .action(async (opts: WalletOptions) => {
      const { store } = await openOffline(opts);
      out((await store.info(opts.wallet)).address);
    });

  walletOptions(wallet.command('list'))
    .description('list the wallets in the data folder with their addresses')
    .action(async (opts: WalletOptions) => {
      const { store } = await openOffline(opts);
      const { wallets, unreadable } = await store.list();
      const width = Math.max(0, ...wallets.map((w) => w.name.length));
      for (const w of wallets) out(`${w.name.padEnd(width)}  ${w.address}`);
      for (const u of unreadable) note(`warning: wallet "${u.name}" is unreadable: ${u.reason}`);
      if (wallets.length === 0 && unreadable.length === 0) {
        note(`no wallets in ${store.dir}; create one with \`gradientcoin wallet create\``);
      }
    });

  rpcOptions(walletOptions(wallet.command('balance')))
    .description("print the wallet's spendable balance and nonce, then any rewards not spendable yet, from the node")
    .action(async (opts: WalletOptions & RpcOptions) => {
      const rpc = rpcOf(opts);
      const { store } = await openOnline(opts, rpc);
      const { address } = await store.info(opts.wallet);
      for (const line of balanceLines(await getAccount(rpc, address))) out(line);
    });

  passwordOption(rpcOptions(walletOptions(wallet.command('send'))))
    .description('pay <amount> GC to <address> and print the transaction id')
    .argument('<address>', 'the recipient, on this network')
    .argument('<amount>', 'GC, up to 8 decimals, e.g. 1.5')
    .option('--fee <GC>', 'fee paid to the miner', formatAmount(DEFAULT_FEE))
    .action(async (to: string, amountText: string, opts: WalletOptions & RpcOptions & { fee: string }) => {
      const amount = parseAmount(amountText, 'amount');
      const fee = parseAmount(opts.fee, 'fee');
      const rpc = rpcOf(opts);
      const { store, network } = await openOnline(opts, rpc);
      const recipient = decodeAddress(network.addressPrefix, to.trim());
      const sender = await store.info(opts.wallet);
      const account = await getAccount(rpc, sender.address);
      checkPayment(sender.publicKey, recipient, amount, fee, account.balance, account.immature);
      const { password } = await readPassword({ passwordFile: opts.passwordFile, purpose: `wallet "${opts.wallet}"` });
      const { keyPair } = await store.load(opts.wallet, password);
      const nonce = nextNonce(account);
      const tx = buildTransfer({ chainId: network.chainId, keyPair, recipient, amount, fee, nonce });
      keyPair.secretKey.fill(0);
      const txid = await sendRawTransaction(rpc, tx);
      const expected = toHex(transferId(tx));
      if (txid !== expected) note(`warning: the node reports transaction id ${txid}, this wallet computed ${expected}`);
      note(`sent ${formatAmount(amount)} GC to ${to.trim()} (fee ${formatAmount(fee)} GC, nonce ${nonce})`);
      out(txid);
    });

  rpcOptions(walletOptions(wallet.command('history')))
    .description("list the wallet's transfers, newest first, from the node: pending, dropped by a reorganisation, then confirmed")
    .option('--limit <n>', `at most this many (1 to ${MAX_HISTORY_LIMIT})`, parseLimit, DEFAULT_HISTORY_LIMIT)
    .action(async (opts: WalletOptions & RpcOptions & { limit: number }) => {
      const rpc = rpcOf(opts);
      const { store } = await openOnline(opts, rpc);
      const { address } = await store.info(opts.wallet);
      const entries = await getAddressHistory(rpc, address, opts.limit);
      if (entries.length === 0) {
        note(`no transfers to or from ${address}`);
        return;
      }
      for (const line of historyTable(address, entries)) out(line);
      for (const e of entries) if (e.status === 'dropped') note(`dropped ${e.txid}: ${e.reason ?? 'a reorganisation took it out of the chain'}`);
    });
}

/** `wallet balance`: the spendable balance (the line scripts read), then what is not spendable yet. */
export function balanceLines(account: AccountView): string[] {
  const pending = nextNonce(account) - account.nonce;
  const lines = [`${formatAmount(account.balance)} GC (nonce ${account.nonce}${pending > 0n ? `, ${pending} pending` : ''})`];
  if (account.immature.length > 0) {
    const total = account.immature.reduce((sum, r) => sum + r.amount, 0n);
    const first = account.immature[0]!;
    const last = account.immature[account.immature.length - 1]!;
    const when = first === last ? `at height ${first.spendableAt}` : `from height ${first.spendableAt} to ${last.spendableAt}`;
    lines.push(`${formatAmount(total)} GC immature (mining and contribution rewards, spendable ${when})`);
  }
  return lines;
}

/** The table `wallet history` prints: pending first, then dropped, then by height, newest first. */
export function historyTable(address: string, entries: readonly HistoryEntry[]): string[] {
  const order = (e: HistoryEntry): number => (e.status === 'pending' ? Infinity : e.status === 'dropped' ? Number.MAX_SAFE_INTEGER : (e.height ?? Infinity));
  const sorted = entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => order(b.e) - order(a.e) || a.i - b.i)
    .map(({ e }) => e);
  const rows = sorted.map((e) => {
    const outgoing = e.from === address;
    return [
      e.status === 'dropped' ? 'dropped' : e.height === null ? 'pending' : String(e.height),
      e.time === null ? '-' : new Date(e.time * 1000).toISOString().replace('T', ' ').slice(0, 19),
      `${outgoing ? '-' : '+'}${formatAmount(e.amount)}`,
      outgoing ? formatAmount(e.fee) : '-',
      outgoing ? e.to : e.from,
      e.txid,
    ];
  });
  const header = ['HEIGHT', 'TIME (UTC)', 'AMOUNT GC', 'FEE GC', 'COUNTERPARTY', 'TXID'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const numeric = [true, false, true, true, false, false];
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}

function walletOptions(cmd: Command): Command {
  return cmd
    .option('--datadir <path>', 'data folder; wallets live in <datadir>/wallets', DEFAULT_DATADIR)
    .option(
      '--genesis <path>',
      "the network's genesis file; with a node, only checked against the node's network (default: the node's network, " +
        "else <datadir>/genesis.json if present, else the repository's)",
    )
    .option('--wallet <name>', 'which wallet', DEFAULT_WALLET);
}

function passwordOption(cmd: Command): Command {
  return cmd.option('--password-file <path>', 'read the password from the first line of this file (else GC_WALLET_PASSWORD, else a prompt)');
}

function rpcOptions(cmd: Command): Command {
  return cmd
    .option('--rpc-port <port>', "the node's JSON-RPC port", parsePort, DEFAULT_RPC_PORT)
    .option('--node-datadir <path>', "the node's data folder, for its RPC cookie (default: --datadir)")
    .option('--rpc-user <user>', "RPC user (default: the node's cookie)")
    .option('--rpc-password <password>', 'RPC password, with --rpc-user');
}

function lightKdfOption(): Option {
  return new Option(
    '--light-kdf',
    `weaker, faster key derivation (scrypt N = 2^${Math.log2(LIGHT_SCRYPT.n)} instead of 2^${Math.log2(DEFAULT_SCRYPT.n)}): for tests and throwaway testnet wallets only`,
  );
}

/** The keystore, with the address prefix of the genesis an offline command reads. */
async function openOffline(opts: WalletOptions): Promise<{ store: WalletStore }> {
  checkWalletName(opts.wallet);
  const { params } = await loadGenesis(await offlineGenesisPath(opts.genesis, opts.datadir));
  return { store: storeFor(opts, params.addressPrefix) };
}

/** The keystore and the network of the node the command talks to. */
async function openOnline(opts: WalletOptions, rpc: RpcCallOptions): Promise<{ store: WalletStore; network: WalletNetwork }> {
  checkWalletName(opts.wallet);
  const network = await networkOfNode(rpc, opts.genesis);
  return { store: storeFor(opts, network.addressPrefix), network };
}

function storeFor(opts: WalletOptions, prefix: string): WalletStore {
  return new WalletStore({ datadir: opts.datadir, prefix, scrypt: opts.lightKdf ? LIGHT_SCRYPT : DEFAULT_SCRYPT });
}

/** Before asking for a password that would only be thrown away. */
async function refuseExisting(store: WalletStore, name: string): Promise<void> {
  if (await store.exists(name)) {
    throw new WalletError('wallet-exists', `a wallet named "${name}" already exists (${store.pathOf(name)}); it is never overwritten`);
  }
}

function announce(info: WalletInfo): void {
  note(`wallet "${info.name}" saved to ${info.path}; keep a copy of that file and of the password: without both, its coins are lost`);
  out(info.address);
}

function rpcOf(opts: WalletOptions & RpcOptions): RpcCallOptions {
  return {
    port: opts.rpcPort,
    datadir: opts.nodeDatadir ?? opts.datadir,
    ...(opts.rpcUser !== undefined ? { user: opts.rpcUser } : {}),
    ...(opts.rpcPassword !== undefined ? { password: opts.rpcPassword } : {}),
  };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new InvalidArgumentError('a port is an integer from 1 to 65535');
  return port;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_HISTORY_LIMIT) throw new InvalidArgumentError(`an integer from 1 to ${MAX_HISTORY_LIMIT}`);
  return n;
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
