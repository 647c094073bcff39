/**
 * The training corpus as one byte string, and its content hash. Pure: the same documents give
 * the same bytes and the same hash on every machine, and the hash goes into genesis.json so that a
 * node with a different corpus refuses the network instead of silently training on other text.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TrainerError } from './errors.ts';

/** Documents are joined with a blank line, as paragraphs within one are. */
export const DOCUMENT_SEPARATOR = '\n\n';

/** Domain tag of the content hash, in the shape of consensus' tagged hashes. */
const CONTENT_HASH_TAG = 'gradientcoin/corpus';

/**
 * A user's document as the corpus stores it: no byte-order mark, "\n" line ends, no leading or
 * trailing whitespace (so that the separator alone decides how documents meet).
 */
export function normalizeDocument(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').trim();
}

/** Joins documents in the order given; empty ones are skipped. At least one must have text. */
export function joinDocuments(documents: readonly string[]): Uint8Array {
  const kept = documents.filter((d) => d.length > 0);
  if (kept.length === 0) throw new TrainerError('corpus-empty', 'the corpus has no text');
  return new TextEncoder().encode(kept.join(DOCUMENT_SEPARATOR));
}

/** Hex BLAKE3 of "gradientcoin/corpus" ‖ 0x00 ‖ bytes. */
export function corpusContentHash(bytes: Uint8Array): string {
  const h = blake3.create();
  h.update(new TextEncoder().encode(CONTENT_HASH_TAG));
  h.update(new Uint8Array([0]));
  h.update(bytes);
  return bytesToHex(h.digest());
}
