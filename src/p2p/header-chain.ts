/**
 * Checks a run of headers from a peer before any block is fetched (headers-first sync): they must
 * attach to a block we have, link to each other, and each pass the full header rules against its
 * parent (proof of work, ASERT difficulty, height, median-time-past, future limit). A peer cannot
 * make us download a single block body for a header chain that is not valid as headers, and the
 * work the chain adds is known before the first byte of a body arrives.
 */
import type { Header } from '../../consensus/types.ts';
import { checkHeader, type ParentContext } from '../../consensus/header-rules.ts';
import { VerifyError, isVerifyError } from '../../consensus/errors.ts';
import { MEDIAN_TIME_SPAN } from '../../consensus/pow/timestamps.ts';
import { workFromBits } from '../../consensus/pow/work.ts';
import { toHex } from '../../consensus/hash.ts';
import { bytesEqual } from '../../consensus/bytes.ts';
import { headerHash } from '../../chain/header.ts';
import { P2PError } from './errors.ts';
import type { NetworkChain, NetworkChainEntry } from './seams.ts';

export interface CheckedHeader {
  readonly hash: Uint8Array;
  readonly header: Header;
  /** Cumulative work up to and including this header. */
  readonly chainwork: bigint;
}

/** Where a run of headers continues from: the last checked header and its cumulative work. */
export interface HeaderRunStart {
  readonly context: ParentContext;
  readonly chainwork: bigint;
}

export interface HeaderChainResult {
  /** The headers that passed and whose blocks we do not have yet, in order. */
  readonly fresh: readonly CheckedHeader[];
  /** Where the next run continues: after the last header that passed. */
  readonly end: HeaderRunStart;
  /** Why the run stopped early: the first header that failed. */
  readonly error?: VerifyError;
}

/** A run that continues from a stored block. */
export function startAtEntry(chain: NetworkChain, entry: NetworkChainEntry): HeaderRunStart {
  return { context: parentContext(chain, entry), chainwork: entry.chainwork };
}

/**
 * Checks `headers` (in order) at the local time `nowSeconds`, continuing from `start` or, without
 * it, from the stored parent of the first header. Throws P2PError('unrequested') when the first
 * header does not attach there.
 */
export function checkHeaderChain(chain: NetworkChain, headers: readonly Header[], nowSeconds: number, start?: HeaderRunStart): HeaderChainResult {
  const first = headers[0];
  let end: HeaderRunStart;
  if (start) {
    end = start;
  } else {
    const parent = first ? chain.getEntry(first.parentHash) : chain.tip();
    if (!parent) throw new P2PError('unrequested', `headers attach to unknown block ${toHex(first!.parentHash)}`);
    end = startAtEntry(chain, parent);
  }
  if (first && !bytesEqual(first.parentHash, end.context.hash)) {
    throw new P2PError('unrequested', `headers attach to ${toHex(first.parentHash)}, not to ${toHex(end.context.hash)}`);
  }
  const fresh: CheckedHeader[] = [];
  for (const header of headers) {
    const hash = headerHash(header);
    try {
      const invalid = chain.getInvalid(hash);
      if (invalid) throw new VerifyError('invalid-ancestor', `header ${toHex(hash)} is of a block known invalid: ${invalid.reason}`);
      checkHeader(chain.params, header, hash, end.context, nowSeconds);
    } catch (err) {
      if (!isVerifyError(err)) throw err;
      return { fresh, end, error: err };
    }
    const chainwork = end.chainwork + workFromBits(header.bits);
    if (!chain.getEntry(hash)) fresh.push(Object.freeze({ hash, header, chainwork }));
    const context: ParentContext = {
      hash,
      header,
      recentTimestamps: [...end.context.recentTimestamps, header.timestamp].slice(-MEDIAN_TIME_SPAN),
      anchorTimestamp: header.height === 1 ? header.timestamp : end.context.anchorTimestamp,
    };
    end = { context, chainwork };
  }
  return { fresh, end };
}

/** The context a child of `entry` is checked against, built from stored entries. */
export function parentContext(chain: NetworkChain, entry: NetworkChainEntry): ParentContext {
  const recent: number[] = [];
  let cursor: NetworkChainEntry | undefined = entry;
  while (cursor && recent.length < MEDIAN_TIME_SPAN) {
    recent.unshift(cursor.header.timestamp);
    cursor = cursor.height === 0 ? undefined : chain.getEntry(cursor.header.parentHash);
  }
  return { hash: entry.hash, header: entry.header, recentTimestamps: recent, anchorTimestamp: anchorTimestamp(chain, entry) };
}

/** Timestamp of block 1 on `entry`'s branch (null at the genesis). */
function anchorTimestamp(chain: NetworkChain, entry: NetworkChainEntry): number | null {
  if (entry.height === 0) return null;
  let cursor: NetworkChainEntry | undefined = entry;
  // Walk down a side branch until it meets the main chain, whose block 1 is indexed by height.
  while (cursor && cursor.height > 1 && !chain.isMainChain(cursor.hash)) cursor = chain.getEntry(cursor.header.parentHash);
  if (!cursor) throw new Error(`block ${toHex(entry.hash)} has a missing ancestor`);
  if (cursor.height === 1) return cursor.header.timestamp;
  const one = chain.getEntryAtHeight(1);
  if (!one) throw new Error('the main chain has no block 1');
  return one.header.timestamp;
}
