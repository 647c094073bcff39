/**
 * The ChainDB invariants, checked against what is on disk. Every atomic batch of chaindb.ts keeps
 * all of them true, so they hold after a crash at any instant; the crash harness and the storage
 * tests run this after every restart. Returns the violations found (empty when consistent).
 *
 *   version      the V record is this software's version; G names the network; h[0] is G
 *   tip          R names a stored entry that is VALID, not INVALID and has its block
 *   height-index h[0..tip] is the tip's ancestry, each linking to the previous; nothing above the tip
 *   tree         every entry's parent is stored, its height is the parent's + 1 and its
 *                chainwork is the parent's plus its own work
 *   block-body   an entry with HAS_BLOCK has b[hash], and b[hash] decodes to that header
 *   undo         u[hash] exists exactly for main-chain blocks above the genesis
 *   invalid      every INVALID entry has an i[hash] marker and every marked entry is INVALID (a
 *                marker may stand alone: a header that failed is never stored), descendants of
 *                an invalid entry are invalid, and no main-chain entry is
 *   main-valid   every main-chain entry is VALID
 *   accounts     no empty account is stored, and the stored accounts and ratings hash to the tip's
 *                state root
 *   state-buckets the stored bucket roots (S) are exactly the non-empty buckets' roots of the
 *                state trees over the stored accounts and ratings
 *   model        the stored model hashes to the tip's model hash
 */
import type { Account } from '../../consensus/types.ts';
import type { Rating } from '../../consensus/gauntlet/state.ts';
import { toHex } from '../../consensus/hash.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { computeFullStateRoot } from '../../consensus/state-root.ts';
import { StateCommitment } from '../../consensus/state-commitment.ts';
import { modelHash } from '../../trainer/model-hash.ts';
import { decodeModel } from '../model-undo.ts';
import { workFromBits } from '../../consensus/pow/work.ts';
import { headerHash } from '../header.ts';
import type { ChainDB } from './chaindb.ts';
import { DB_VERSION, isEmptyAccount } from './records.ts';
import { ENTRY_FLAGS, hasFlag, type ChainEntry } from './entry.ts';

export type Invariant =
  | 'version'
  | 'tip'
  | 'height-index'
  | 'tree'
  | 'block-body'
  | 'undo'
  | 'invalid'
  | 'main-valid'
  | 'accounts'
  | 'state-buckets'
  | 'model';

export interface Violation {
  readonly invariant: Invariant;
  readonly detail: string;
}

export async function verifyChainDB(db: ChainDB): Promise<Violation[]> {
  const out: Violation[] = [];
  const fail = (invariant: Invariant, detail: string): void => {
    out.push({ invariant, detail });
  };

  const version = await db.getVersion();
  if (version !== DB_VERSION) fail('version', `version record is ${String(version)}, expected ${DB_VERSION}`);
  const genesisHash = await db.getGenesisHash();
  if (!genesisHash) fail('version', 'no genesis record G');

  const entries = new Map<string, ChainEntry>();
  for await (const entry of db.entries()) entries.set(toHex(entry.hash), entry);

  // tree
  for (const entry of entries.values()) {
    if (entry.height === 0) {
      if (!genesisHash || !bytesEqual(entry.hash, genesisHash)) fail('tree', `entry ${toHex(entry.hash)} at height 0 is not the genesis`);
      else if (entry.chainwork !== workFromBits(entry.header.bits)) fail('tree', 'genesis chainwork is not its own work');
      continue;
    }
    const parent = entries.get(toHex(entry.header.parentHash));
    if (!parent) {
      fail('tree', `entry ${toHex(entry.hash)} has no stored parent`);
      continue;
    }
    if (entry.height !== parent.height + 1) fail('tree', `entry ${toHex(entry.hash)} height ${entry.height} after parent ${parent.height}`);
    if (entry.chainwork !== parent.chainwork + workFromBits(entry.header.bits)) {
      fail('tree', `entry ${toHex(entry.hash)} chainwork is not parent's plus its own work`);
    }
  }

  // block-body
  const bodies = new Set<string>();
  for await (const hash of db.blockHashes()) bodies.add(toHex(hash));
  for (const [key, entry] of entries) {
    if (!hasFlag(entry, ENTRY_FLAGS.HAS_BLOCK)) continue;
    if (!bodies.has(key)) {
      fail('block-body', `entry ${key} has HAS_BLOCK but no stored block`);
      continue;
    }
    const block = await db.getBlock(entry.hash);
    if (!block || !bytesEqual(headerHash(block.header), entry.hash)) fail('block-body', `stored block ${key} is not the entry's block`);
  }

  // tip, height-index, main-valid
  const tipHash = await db.getTipHash();
  const main = new Set<string>();
  let tip: ChainEntry | undefined;
  if (!tipHash) fail('tip', 'no tip record R');
  else {
    tip = entries.get(toHex(tipHash));
    if (!tip) fail('tip', `tip ${toHex(tipHash)} has no entry`);
    else if (hasFlag(tip, ENTRY_FLAGS.INVALID) || !hasFlag(tip, ENTRY_FLAGS.VALID) || !hasFlag(tip, ENTRY_FLAGS.HAS_BLOCK)) {
      fail('tip', `tip ${toHex(tipHash)} has status ${tip.status}`);
    }
  }
  const index = new Map<number, Uint8Array>();
  for await (const [height, hash] of db.mainChain()) index.set(height, hash);
  if (tip) {
    let cursor: ChainEntry | undefined = tip;
    while (cursor) {
      const key = toHex(cursor.hash);
      main.add(key);
      const indexed = index.get(cursor.height);
      if (!indexed || !bytesEqual(indexed, cursor.hash)) fail('height-index', `h[${cursor.height}] is not the tip's ancestor ${key}`);
      if (!hasFlag(cursor, ENTRY_FLAGS.VALID)) fail('main-valid', `main-chain entry ${key} is not VALID`);
      cursor = cursor.height === 0 ? undefined : entries.get(toHex(cursor.header.parentHash));
    }
    for (const height of index.keys()) if (height > tip.height) fail('height-index', `h[${height}] lies above the tip height ${tip.height}`);
    if (genesisHash && !bytesEqual(index.get(0) ?? new Uint8Array(0), genesisHash)) fail('version', 'h[0] is not the genesis hash');
  }

  // undo
  const undo = new Set<string>();
  for await (const hash of db.undoHashes()) undo.add(toHex(hash));
  for (const key of main) {
    const entry = entries.get(key)!;
    if (entry.height > 0 && !undo.has(key)) fail('undo', `main-chain block ${key} has no undo data`);
  }
  for (const key of undo) if (!main.has(key)) fail('undo', `block ${key} off the main chain has undo data`);

  // invalid
  const markers = new Set<string>();
  for await (const [hash] of db.invalid()) markers.add(toHex(hash));
  for (const [key, entry] of entries) {
    const flagged = hasFlag(entry, ENTRY_FLAGS.INVALID);
    if (flagged && !markers.has(key)) fail('invalid', `entry ${key} is INVALID without a marker`);
    if (!flagged && markers.has(key)) fail('invalid', `entry ${key} has a marker but is not INVALID`);
    if (flagged && main.has(key)) fail('invalid', `main-chain entry ${key} is INVALID`);
    const parent = entry.height === 0 ? undefined : entries.get(toHex(entry.header.parentHash));
    if (parent && hasFlag(parent, ENTRY_FLAGS.INVALID) && !flagged) fail('invalid', `entry ${key} descends from an invalid block`);
  }

  // accounts
  const accounts = new Map<string, Account>();
  for await (const [key, account] of db.accounts()) {
    if (isEmptyAccount(account)) fail('accounts', `empty account ${key} is stored`);
    accounts.set(key, account);
  }
  const ratings = new Map<string, Rating>();
  for await (const [key, rating] of db.ratings()) ratings.set(key, rating);
  if (tip && !bytesEqual(computeFullStateRoot(accounts, ratings), tip.header.stateRoot)) {
    fail('accounts', `stored accounts and ratings do not hash to the state root of tip ${toHex(tip.hash)}`);
  }
  const expected = StateCommitment.fromMaps(accounts, ratings).bucketRoots();
  const stored = await db.getStateBuckets();
  for (const tree of ['accounts', 'ratings'] as const) {
    const want = expected[tree];
    const have = stored[tree];
    for (const [bucket, root] of want) {
      const at = have.get(bucket);
      if (!at || !bytesEqual(at, root)) fail('state-buckets', `${tree} bucket ${bucket} is ${at ? 'stored with another root' : 'missing'}`);
    }
    for (const bucket of have.keys()) if (!want.has(bucket)) fail('state-buckets', `${tree} bucket ${bucket} is stored but empty`);
  }

  // model
  const bytes = await db.getModelBytes();
  if (!bytes || bytes.length % 4 !== 0) fail('model', `the stored model is ${bytes ? `${bytes.length} bytes` : 'missing'}`);
  else if (tip && !bytesEqual(modelHash(decodeModel(bytes, bytes.length / 4)), tip.header.modelHash)) {
    fail('model', `the stored model does not hash to the model hash of tip ${toHex(tip.hash)}`);
  }
  return out;
}
