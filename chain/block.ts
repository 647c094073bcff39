/**
 * Blocks on the wire and on disk: canonical msgpack [header (240-byte bin), transfers,
 * contributions, report]. The header commits to the three lists through their Merkle roots.
 */
import type { Block, Header } from '../consensus/types.ts';
import { contributionsRoot, reportRoot, txRoot } from '../consensus/ids.ts';
import { decode, encode } from './encoding.ts';
import { readArray, readBytes, readList } from './fields.ts';
import { decodeHeader, encodeHeader, HEADER_BYTES, headerHash } from './header.ts';
import { transferFromValue, transferToValue } from './tx.ts';
import { contributionFromValue, contributionToValue } from './contribution.ts';
import { reportEntryFromValue, reportEntryToValue } from './report.ts';

/** Hard decoding cap; the genesis' maxBlockBytes (lower) is a validation rule on top. */
export const MAX_BLOCK_BYTES = 32 * 1024 * 1024;
export const MAX_BLOCK_TRANSFERS = 100_000;
export const MAX_BLOCK_CONTRIBUTIONS = 1_024;

export function encodeBlock(block: Block): Uint8Array {
  return encode([
    encodeHeader(block.header),
    block.txs.map(transferToValue),
    block.contributions.map(contributionToValue),
    block.report.map(reportEntryToValue),
  ]);
}

export function decodeBlock(bytes: Uint8Array): Block {
  const f = readArray(decode(bytes, MAX_BLOCK_BYTES, 'block'), 4, 'block');
  const header = decodeHeader(readBytes(f[0], 'block.header', HEADER_BYTES));
  const txs = readList(f[1], MAX_BLOCK_TRANSFERS, 'block.txs').map((v, i) => transferFromValue(v, `block.txs[${i}]`));
  const contributions = readList(f[2], MAX_BLOCK_CONTRIBUTIONS, 'block.contributions').map((v, i) =>
    contributionFromValue(v, `block.contributions[${i}]`),
  );
  const report = readList(f[3], MAX_BLOCK_CONTRIBUTIONS, 'block.report').map((v, i) => reportEntryFromValue(v, `block.report[${i}]`));
  return Object.freeze({ header, txs: Object.freeze(txs), contributions: Object.freeze(contributions), report: Object.freeze(report) });
}

export function blockHash(block: Block): Uint8Array {
  return headerHash(block.header);
}

/** A copy of the header with the three body roots recomputed (for block building). */
export function withBodyRoots(header: Header, body: Omit<Block, 'header'>): Header {
  return Object.freeze({
    ...header,
    txRoot: txRoot(body),
    contributionsRoot: contributionsRoot(body),
    reportRoot: reportRoot(body),
  });
}
