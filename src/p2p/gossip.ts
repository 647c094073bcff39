/**
 * Gossip: blocks, transfers and contributions over gossipsub, validated before they are relayed.
 *
 * gossipsub runs with asynchronous validation: a message is neither relayed nor forgotten until we
 * report Accept (relay), Ignore (drop, no blame) or Reject (drop, and gossipsub's own peer score
 * counts an invalid delivery). Messages are unsigned (StrictNoSign) and named by a hash of their
 * topic and data, as in Ethereum's consensus layer: the relaying peer, not an author, answers for
 * what it sends. Each topic has a size limit checked on the raw bytes before anything is decoded,
 * and a bounded queue: when validation falls behind, what arrives is ignored and counted.
 */
import { createHash } from 'node:crypto';
import { TopicValidatorResult, type GossipsubMessage, type GossipsubOpts } from '@libp2p/gossipsub';
import type { Message } from '@libp2p/gossipsub';
import type { ChainParams } from '../../consensus/params.ts';
import { MAX_TRANSFER_BYTES } from '../../chain/tx.ts';
import type { Logger } from '../log.ts';
import { describeError } from './errors.ts';
import type { ValidatingGossipSub } from './node.ts';
import type { PeerJudgement } from './part-options.ts';
import { TOPIC_KINDS, type GossipTopics, type TopicKind } from './protocols.ts';
import type { Verdict } from './seams.ts';
import { BoundedQueue, type QueueCounters } from './bounded-queue.ts';

/**
 * gossipsub frames each RPC with it-length-prefixed's default limit, 4 MiB, and cannot send a
 * larger one. A message leaves room for the RPC around it; a block too large for that is gossiped
 * as its bare 240-byte header, and peers fetch the body by hash (see network.ts).
 */
export const GOSSIP_RPC_BYTES = 4 * 1024 * 1024;
export const GOSSIP_MAX_MESSAGE_BYTES = GOSSIP_RPC_BYTES - 64 * 1024;
/** A contribution's fields around its payload: chain id, key, parent, signature and msgpack framing. */
const CONTRIBUTION_OVERHEAD_BYTES = 256;

export type TopicLimits = Readonly<Record<TopicKind, number>>;

/** Largest message per topic, from the genesis' own limits and gossipsub's. */
export function topicLimits(params: ChainParams, maxMessageBytes = GOSSIP_MAX_MESSAGE_BYTES): TopicLimits {
  return Object.freeze({
    blocks: Math.min(params.limits.maxBlockBytes, maxMessageBytes),
    txs: MAX_TRANSFER_BYTES,
    contributions: params.gauntlet.maxPayloadBytes + CONTRIBUTION_OVERHEAD_BYTES,
  });
}

/** Messages waiting for validation, per topic. */
export const DEFAULT_QUEUE_CAPACITY: Readonly<Record<TopicKind, number>> = Object.freeze({
  blocks: 64,
  txs: 4_096,
  contributions: 256,
});

/** The gossip message id: SHA-256 of topic ‖ 0 ‖ data, first 20 bytes. */
export function messageId(topic: string, data: Uint8Array): Uint8Array {
  const h = createHash('sha256');
  h.update(topic);
  h.update(new Uint8Array([0]));
  h.update(data);
  return new Uint8Array(h.digest().subarray(0, 20));
}

/**
 * gossipsub settings for a network. `appScore` feeds our own peer score into gossipsub's, so a
 * peer we distrust also loses its mesh and gossip privileges before we ban it.
 */
export function gossipOptions(topics: GossipTopics, appScore: (peer: string) => number): Partial<GossipsubOpts> {
  // Only invalid deliveries count per topic: delivery-rate penalties punish honest peers on a
  // topic as quiet as one block per block time.
  const topicScore = {
    topicWeight: 1,
    timeInMeshWeight: 0,
    timeInMeshQuantum: 1_000,
    timeInMeshCap: 1,
    firstMessageDeliveriesWeight: 0,
    firstMessageDeliveriesDecay: 0.5,
    firstMessageDeliveriesCap: 1,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.5,
  };
  return {
    globalSignaturePolicy: 'StrictNoSign',
    asyncValidation: true,
    emitSelf: false,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    floodPublish: true,
    allowedTopics: [topics.blocks, topics.txs, topics.contributions],
    maxInboundDataLength: GOSSIP_RPC_BYTES,
    msgIdFn: (msg: Message) => messageId(msg.topic, msg.data),
    scoreParams: {
      appSpecificScore: appScore,
      appSpecificWeight: 1,
      // Testnets run many nodes on one host; colocation says nothing there.
      IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
      topics: { [topics.blocks]: topicScore, [topics.txs]: topicScore, [topics.contributions]: topicScore },
    },
    scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: -80 },
  };
}

/** Validates one gossiped message; owns what the sender pays for a bad one. */
export type GossipValidator = (data: Uint8Array, from: string) => Promise<Verdict>;

export interface GossipRouterOptions extends PeerJudgement {
  readonly pubsub: ValidatingGossipSub;
  readonly topics: GossipTopics;
  readonly limits: TopicLimits;
  readonly validators: Readonly<Record<TopicKind, GossipValidator>>;
  readonly log: Logger;
  readonly queueCapacity?: Partial<Record<TopicKind, number>>;
}

interface Pending {
  readonly msgId: string;
  readonly from: string;
  readonly data: Uint8Array;
}

export interface GossipCounters {
  readonly received: Record<TopicKind, number>;
  readonly oversized: Record<TopicKind, number>;
  readonly verdicts: Record<Verdict, number>;
  readonly queues: Record<TopicKind, QueueCounters>;
}

/** Own messages held while nobody subscribes: at most this many, for at most this long. */
const MAX_HELD = 1_024;
const HOLD_MS = 10 * 60_000;

interface HeldMessage {
  readonly kind: TopicKind;
  readonly data: Uint8Array;
  readonly since: number;
}

export class GossipRouter {
  readonly #options: GossipRouterOptions;
  readonly #held = new Map<string, HeldMessage>();
  readonly #queues: Record<TopicKind, BoundedQueue<Pending>>;
  readonly #kindOf: Map<string, TopicKind>;
  readonly #received: Record<TopicKind, number> = { blocks: 0, txs: 0, contributions: 0 };
  readonly #oversized: Record<TopicKind, number> = { blocks: 0, txs: 0, contributions: 0 };
  readonly #verdicts: Record<Verdict, number> = { accept: 0, ignore: 0, reject: 0 };
  readonly #onMessage = (event: CustomEvent<GossipsubMessage>): void => this.#receive(event.detail);

  constructor(options: GossipRouterOptions) {
    this.#options = options;
    this.#kindOf = new Map(TOPIC_KINDS.map((k) => [options.topics[k], k]));
    const queue = (kind: TopicKind): BoundedQueue<Pending> =>
      new BoundedQueue<Pending>(
        options.queueCapacity?.[kind] ?? DEFAULT_QUEUE_CAPACITY[kind],
        (item) => this.#validate(kind, item),
        (err, item) => {
          options.log.warn({ topic: kind, peer: item.from, err: describeError(err) }, 'gossip validation failed');
          this.#report(item, 'ignore');
        },
        kind === 'blocks' ? 1 : 4,
      );
    this.#queues = { blocks: queue('blocks'), txs: queue('txs'), contributions: queue('contributions') };
  }

  start(): void {
    this.#options.pubsub.addEventListener('gossipsub:message', this.#onMessage);
    for (const kind of TOPIC_KINDS) this.#options.pubsub.subscribe(this.#options.topics[kind]);
  }

  stop(): void {
    this.#options.pubsub.removeEventListener('gossipsub:message', this.#onMessage);
    for (const kind of TOPIC_KINDS) {
      for (const item of this.#queues[kind].stop()) this.#report(item, 'ignore');
    }
  }

  /** Publishes to every peer on the topic; returns how many peers it went to. */
  async publish(kind: TopicKind, data: Uint8Array): Promise<number> {
    const result = await this.#options.pubsub.publish(this.#options.topics[kind], data);
    return result.recipients.length;
  }

  /**
   * Publishes, or holds the message while no peer subscribes to the topic yet (a node just
   * started, or its peers are still joining the mesh). gossipsub remembers every message it
   * publishes and will not send it again, so a message sent to nobody would be lost for good;
   * refusing zero recipients keeps it out of that memory until retryHeld() gets it out.
   */
  async publishOrHold(kind: TopicKind, data: Uint8Array): Promise<number> {
    try {
      const result = await this.#options.pubsub.publish(this.#options.topics[kind], data, { allowPublishToZeroTopicPeers: false });
      return result.recipients.length;
    } catch (err) {
      if (!(err instanceof Error) || err.message !== 'PublishError.NoPeersSubscribedToTopic') throw err;
      const key = `${kind}:${Buffer.from(messageId(this.#options.topics[kind], data)).toString('hex')}`;
      this.#held.delete(key);
      this.#held.set(key, { kind, data, since: Date.now() });
      while (this.#held.size > MAX_HELD) this.#held.delete(this.#held.keys().next().value!);
      return 0;
    }
  }

  /** Messages waiting for a subscriber. */
  get heldCount(): number {
    return this.#held.size;
  }

  /** Tries the held messages again; drops those older than HOLD_MS. */
  async retryHeld(): Promise<void> {
    const now = Date.now();
    for (const [key, item] of [...this.#held]) {
      if (now - item.since > HOLD_MS) {
        this.#held.delete(key);
        continue;
      }
      try {
        await this.#options.pubsub.publish(this.#options.topics[item.kind], item.data, { allowPublishToZeroTopicPeers: false });
        this.#held.delete(key);
      } catch (err) {
        if (!(err instanceof Error) || err.message !== 'PublishError.NoPeersSubscribedToTopic') {
          this.#held.delete(key);
          this.#options.log.debug({ err: describeError(err) }, 'held gossip message dropped');
        }
      }
    }
  }

  /** Resolves when every queue is empty and idle. */
  async idle(): Promise<void> {
    await Promise.all(TOPIC_KINDS.map((k) => this.#queues[k].idle()));
  }

  counters(): GossipCounters {
    return {
      received: { ...this.#received },
      oversized: { ...this.#oversized },
      verdicts: { ...this.#verdicts },
      queues: {
        blocks: { ...this.#queues.blocks.counters },
        txs: { ...this.#queues.txs.counters },
        contributions: { ...this.#queues.contributions.counters },
      },
    };
  }

  #receive(message: GossipsubMessage): void {
    const kind = this.#kindOf.get(message.msg.topic);
    const item: Pending = { msgId: message.msgId, from: message.propagationSource.toString(), data: message.msg.data };
    if (!kind) {
      this.#report(item, 'ignore');
      return;
    }
    this.#received[kind] += 1;
    if (this.#options.isBanned(item.from)) {
      this.#report(item, 'ignore');
      return;
    }
    if (item.data.length > this.#options.limits[kind]) {
      this.#oversized[kind] += 1;
      this.#report(item, 'reject');
      this.#options.onPeerAction(item.from, 'fatal', `gossip ${kind}: ${item.data.length} bytes, the limit is ${this.#options.limits[kind]}`);
      return;
    }
    if (!this.#queues[kind].push(item)) this.#report(item, 'ignore');
  }

  async #validate(kind: TopicKind, item: Pending): Promise<void> {
    // A peer banned while its message waited gets no hearing.
    const verdict = this.#options.isBanned(item.from) ? 'ignore' : await this.#options.validators[kind](item.data, item.from);
    this.#report(item, verdict);
  }

  #report(item: Pending, verdict: Verdict): void {
    this.#verdicts[verdict] += 1;
    const result =
      verdict === 'accept' ? TopicValidatorResult.Accept : verdict === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
    this.#options.pubsub.reportMessageValidationResult(item.msgId, item.from, result);
  }
}
