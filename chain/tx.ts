/** Transfers on the wire: canonical msgpack [chainId, sender, recipient, amount, fee, nonce, sig]. */
import type { Transfer } from '../consensus/types.ts';
import { transferSigHash } from '../consensus/sighash.ts';
import { decode, encode, type Encodable } from './encoding.ts';
import { readArray, readBytes, readU64 } from './fields.ts';
import { sign } from './keys.ts';

/** A transfer encodes to 184 bytes; the limit leaves room and is checked before parsing. */
export const MAX_TRANSFER_BYTES = 256;

export function transferToValue(tx: Transfer): Encodable {
  return [tx.chainId, tx.senderPublicKey, tx.recipient, tx.amount, tx.fee, tx.nonce, tx.signature];
}

export function transferFromValue(value: unknown, what = 'transfer'): Transfer {
  const f = readArray(value, 7, what);
  return Object.freeze({
    chainId: readBytes(f[0], `${what}.chainId`, 32),
    senderPublicKey: readBytes(f[1], `${what}.sender`, 32),
    recipient: readBytes(f[2], `${what}.recipient`, 20),
    amount: readU64(f[3], `${what}.amount`),
    fee: readU64(f[4], `${what}.fee`),
    nonce: readU64(f[5], `${what}.nonce`),
    signature: readBytes(f[6], `${what}.signature`, 64),
  });
}

export function encodeTransfer(tx: Transfer): Uint8Array {
  return encode(transferToValue(tx));
}

export function decodeTransfer(bytes: Uint8Array): Transfer {
  return transferFromValue(decode(bytes, MAX_TRANSFER_BYTES, 'transfer'));
}

export { transferId } from '../consensus/ids.ts';

export function signTransfer(unsigned: Omit<Transfer, 'signature'>, secretKey: Uint8Array): Transfer {
  const signature = sign(transferSigHash(unsigned), secretKey);
  return Object.freeze({ ...unsigned, signature });
}
