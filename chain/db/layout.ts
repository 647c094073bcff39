/**
 * The ChainDB key layout: one-byte prefixes, as bcoin's layout.js. Fixed-width binary keys (heights
 * big-endian) so that LevelDB's byte order is the natural order and a prefix scan reads one table.
 *
 *   V              → db version record            [version]
 *   G              → genesis hash (the network this datadir belongs to; 32 raw bytes)
 *   R              → tip hash (32 raw bytes)
 *   e[hash]        → chain entry                  [header 240, chainwork, status, sequence]
 *   b[hash]        → block bytes (chain/block.ts encoding)
 *   u[hash]        → undo data of a main-chain block [[address, balance, nonce]…]
 *   h[height u32]  → main-chain hash at that height (32 raw bytes)
 *   a[address 20]  → account                      [balance, nonce]
 *   r[address 20]  → contributor rating           [mu‖sigma‖binaryMA (24), contributions, rewards]
 *   M              → the tip's model: float32 little-endian, the bytes its model hash covers
 *   i[hash]        → invalid marker               [code, reason]
 *   S[tree][bucket u16] → root of a non-empty bucket of a state tree (32 raw bytes); tree 0 is
 *                    the accounts', 1 the ratings' (consensus/state-tree.ts)
 */

export const PREFIX = {
  version: 0x56, // V
  genesis: 0x47, // G
  tip: 0x52, // R
  entry: 0x65, // e
  block: 0x62, // b
  undo: 0x75, // u
  height: 0x68, // h
  account: 0x61, // a
  rating: 0x72, // r
  model: 0x4d, // M
  invalid: 0x69, // i
  stateBucket: 0x53, // S
} as const;

export type Prefix = (typeof PREFIX)[keyof typeof PREFIX];

const HASH_SIZE = 32;
const ADDRESS_SIZE = 20;

function single(prefix: Prefix): Uint8Array {
  return Uint8Array.of(prefix);
}

function withBytes(prefix: Prefix, bytes: Uint8Array, size: number, what: string): Uint8Array {
  if (bytes.length !== size) throw new RangeError(`a ${what} key needs ${size} bytes, got ${bytes.length}`);
  const key = new Uint8Array(1 + size);
  key[0] = prefix;
  key.set(bytes, 1);
  return key;
}

export const layout = {
  V: single(PREFIX.version),
  G: single(PREFIX.genesis),
  R: single(PREFIX.tip),
  M: single(PREFIX.model),
  e: (hash: Uint8Array): Uint8Array => withBytes(PREFIX.entry, hash, HASH_SIZE, 'entry'),
  b: (hash: Uint8Array): Uint8Array => withBytes(PREFIX.block, hash, HASH_SIZE, 'block'),
  u: (hash: Uint8Array): Uint8Array => withBytes(PREFIX.undo, hash, HASH_SIZE, 'undo'),
  h: (height: number): Uint8Array => {
    if (!Number.isInteger(height) || height < 0 || height > 0xffffffff) throw new RangeError(`height must be a u32, got ${height}`);
    const key = new Uint8Array(5);
    key[0] = PREFIX.height;
    new DataView(key.buffer).setUint32(1, height, false);
    return key;
  },
  a: (address: Uint8Array): Uint8Array => withBytes(PREFIX.account, address, ADDRESS_SIZE, 'account'),
  r: (address: Uint8Array): Uint8Array => withBytes(PREFIX.rating, address, ADDRESS_SIZE, 'rating'),
  i: (hash: Uint8Array): Uint8Array => withBytes(PREFIX.invalid, hash, HASH_SIZE, 'invalid'),
  S: (tree: number, bucket: number): Uint8Array => {
    if ((tree !== 0 && tree !== 1) || !Number.isInteger(bucket) || bucket < 0 || bucket > 0xffff) {
      throw new RangeError(`a state bucket key needs tree 0 or 1 and a u16 bucket, got ${tree}, ${bucket}`);
    }
    return Uint8Array.of(PREFIX.stateBucket, tree, bucket >> 8, bucket & 0xff);
  },
} as const;

/** Bounds {gte, lt} covering every key of one prefix. */
export function prefixRange(prefix: Prefix): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) };
}

/** The part of a key after its prefix byte, with the expected length checked. */
export function keySuffix(key: Uint8Array, size: number, what: string): Uint8Array {
  if (key.length !== 1 + size) throw new RangeError(`a ${what} key has ${1 + size} bytes, got ${key.length}`);
  return new Uint8Array(key.subarray(1));
}

export function heightFromKey(key: Uint8Array): number {
  const suffix = keySuffix(key, 4, 'height');
  return new DataView(suffix.buffer).getUint32(0, false);
}
