/**
 * Merkle roots in the shape of RFC 6962 (Certificate Transparency): leaves and inner nodes are
 * hashed under different tags and an odd subtree is never duplicated, so the CVE-2012-2459 trick
 * of Bitcoin's tree (two lists with one root) cannot happen.
 */
import { taggedHash } from './hash.ts';

const NODE_TAG = 'merkle-node';
const LEAF_TAG = 'merkle-leaf';

export function merkleLeaf(data: Uint8Array): Uint8Array {
  return taggedHash(LEAF_TAG, data);
}

function node(left: Uint8Array, right: Uint8Array): Uint8Array {
  const both = new Uint8Array(left.length + right.length);
  both.set(left, 0);
  both.set(right, left.length);
  return taggedHash(NODE_TAG, both);
}

/** Root over already-hashed leaves; the empty list has the root taggedHash('merkle-empty', ''). */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return taggedHash('merkle-empty', new Uint8Array(0));
  return subtree(leafHashes, 0, leafHashes.length);
}

function subtree(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start]!;
  let split = 1;
  while (split * 2 < n) split *= 2;
  return node(subtree(leaves, start, start + split), subtree(leaves, start + split, end));
}
