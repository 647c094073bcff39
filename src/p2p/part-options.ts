/**
 * What P2PNetwork hands each part it wires together (request/response, gossip, sync, the gossip
 * handlers) alike, named once so that every part means the same by each field.
 */
import type { Logger } from '../log.ts';
import type { PeerAction } from './peer-score.ts';

/** The network's logger and clock (tests pass a fixed clock, so every part must read this one). */
export interface PartServices {
  readonly log: Logger;
  readonly clockMs: () => number;
}

/**
 * How a part that hears from peers asks whether one is banned and reports what it did; the peer
 * manager behind both owns scoring and bans, so no part keeps a score of its own.
 */
export interface PeerJudgement {
  readonly isBanned: (peer: string) => boolean;
  readonly onPeerAction: (peer: string, action: PeerAction, reason: string) => void;
}
