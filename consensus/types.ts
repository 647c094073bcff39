/**
 * The shapes the consensus rules operate on. chain/ decodes bytes into these (and encodes them);
 * consensus/ never sees bytes it has to parse. All are immutable after decoding.
 */

/** A transfer in the account model. The chain id is signed, so it cannot be replayed elsewhere. */
export interface Transfer {
  readonly chainId: Uint8Array; // 32: the genesis block hash
  readonly senderPublicKey: Uint8Array; // 32: ed25519
  readonly recipient: Uint8Array; // 20: address hash
  readonly amount: bigint;
  readonly fee: bigint;
  readonly nonce: bigint; // the sender's account nonce before this transfer
  readonly signature: Uint8Array; // 64: ed25519 over transferSigHash
}

/** A signed, compressed pseudo-gradient built on `parentHash`. */
export interface Contribution {
  readonly chainId: Uint8Array; // 32
  readonly contributorPublicKey: Uint8Array; // 32
  readonly parentHash: Uint8Array; // 32
  readonly payload: Uint8Array; // trainer/codec format
  /** Work stamp nonce: taggedHash("stamp", parent ‖ contributor ‖ payload hash ‖ stamp) has stampBits leading zero bits (gauntlet/stamp.ts). */
  readonly stamp: bigint; // uint64
  readonly signature: Uint8Array; // 64
}

/** One line of the Gauntlet report: what every validator recomputes and compares exactly. */
export interface ReportEntry {
  readonly contributor: Uint8Array; // 20: address hash
  readonly lossOwnBefore: number;
  readonly lossOwnAfter: number;
  readonly lossRandBefore: number;
  readonly lossRandAfter: number;
  readonly score: number;
  readonly indicator: number; // +1 or -1
  readonly weight: number;
  readonly reward: bigint;
  readonly aggregated: boolean;
}

export interface Header {
  readonly version: number;
  readonly height: number;
  readonly parentHash: Uint8Array; // 32
  readonly timestamp: number; // seconds since the Unix epoch
  readonly bits: number; // compact target
  readonly nonce: bigint; // uint64
  readonly minerAddress: Uint8Array; // 20
  readonly txRoot: Uint8Array; // 32
  readonly contributionsRoot: Uint8Array; // 32
  readonly reportRoot: Uint8Array; // 32
  readonly stateRoot: Uint8Array; // 32
  readonly modelHash: Uint8Array; // 32
}

export interface Block {
  readonly header: Header;
  readonly txs: readonly Transfer[];
  readonly contributions: readonly Contribution[];
  readonly report: readonly ReportEntry[];
}

export interface Account {
  readonly balance: bigint;
  readonly nonce: bigint;
}

export const EMPTY_ACCOUNT: Account = Object.freeze({ balance: 0n, nonce: 0n });
