/**
 * Human-readable addresses: bech32m (BIP 350) with the network's prefix over a version byte and the
 * 20-byte address hash, e.g. gct1q… . The checksum catches typos; the prefix catches the wrong
 * network; the version byte leaves room for other address kinds later.
 */
import { bech32m } from '@scure/base';
import { CodedError, describeError } from '../trainer/coded-error.ts';
import { ADDRESS_SIZE, addressHash } from '../consensus/address.ts';

const ADDRESS_VERSION = 0;

export class AddressError extends CodedError<'bad-address'> {
  constructor(reason: string) {
    super('bad-address', reason);
  }
}

export function encodeAddress(prefix: string, hash: Uint8Array): string {
  if (hash.length !== ADDRESS_SIZE) throw new AddressError(`address hash must be ${ADDRESS_SIZE} bytes`);
  return bech32m.encode(prefix, [ADDRESS_VERSION, ...bech32m.toWords(hash)]);
}

/** Parses an address string and checks its checksum, prefix, version and length. */
export function decodeAddress(prefix: string, text: string): Uint8Array {
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32m.decode(text as `${string}1${string}`, 90);
  } catch (err) {
    const why = describeError(err);
    throw new AddressError(`invalid address ${JSON.stringify(text)}: bad checksum or characters (${why})`);
  }
  if (decoded.prefix !== prefix) {
    throw new AddressError(`address ${text} is for network "${decoded.prefix}", this network uses "${prefix}"`);
  }
  const [version, ...words] = decoded.words;
  if (version !== ADDRESS_VERSION) throw new AddressError(`address ${text} has unknown version ${version}`);
  let hash: Uint8Array;
  try {
    hash = bech32m.fromWords(words);
  } catch {
    throw new AddressError(`address ${text} has a malformed payload`);
  }
  if (hash.length !== ADDRESS_SIZE) throw new AddressError(`address ${text} must carry ${ADDRESS_SIZE} bytes`);
  return hash;
}

export function addressFromPublicKey(prefix: string, publicKey: Uint8Array): string {
  return encodeAddress(prefix, addressHash(publicKey));
}
