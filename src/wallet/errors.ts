/**
 * Wallet failures. Each carries a machine-readable code and a reason a person can act on; the
 * CLI prints the message (`code: reason`) as one line without a stack trace.
 */
import { CodedError } from '../../trainer/coded-error.ts';

export type WalletErrorCode =
  | 'wrong-password' // the AES-GCM tag does not verify: wrong password, or the file was altered
  | 'bad-keystore' // not a keystore this version understands (shape, version, sizes, KDF bounds)
  | 'bad-secret-key' // a secret key to import is not 64 hex digits
  | 'bad-wallet-name' // a name that could escape the wallets folder or is not portable
  | 'wallet-exists' // refusing to overwrite
  | 'wallet-not-found'
  | 'no-password' // no password source is available
  | 'bad-password' // empty, or the two entries differ
  | 'cancelled' // the person pressed Ctrl-C at a prompt
  | 'bad-amount'
  | 'insufficient-funds'
  | 'immature' // enough money, but part of it is rewards that are not spendable yet
  | 'wrong-network' // the wallet's --genesis is not the network of the node it talks to
  | 'bad-response'; // the node answered with a shape the wallet does not understand

export class WalletError extends CodedError<WalletErrorCode> {}
