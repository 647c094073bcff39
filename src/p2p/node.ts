/**
 * The libp2p host: TCP, Noise, Yamux, identify and gossipsub, with mDNS and a bootstrap list for
 * discovery and an optional pre-shared key (libp2p pnet) that keeps a private network closed to
 * every host without the key. The host knows nothing of blocks; src/p2p/network.ts gives it its
 * protocols, topics and rules.
 */
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify, type Identify } from '@libp2p/identify';
import { mdns } from '@libp2p/mdns';
import { bootstrap } from '@libp2p/bootstrap';
import { preSharedKey } from '@libp2p/pnet';
import { gossipsub, type GossipSub, type GossipSubComponents, type GossipsubOpts, type PublishResult, type TopicValidatorResult } from '@libp2p/gossipsub';
import type { ConnectionGater, PeerDiscovery, PrivateKey } from '@libp2p/interface';

/** gossipsub with the call that asynchronous validation needs (present on its class, not its type). */
export interface ValidatingGossipSub extends GossipSub {
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: TopicValidatorResult): void;
  /** The class's publish also takes per-call options, which its interface type leaves out. */
  publish(topic: string, data?: Uint8Array, opts?: { readonly allowPublishToZeroTopicPeers?: boolean }): Promise<PublishResult>;
}

export type P2PNode = Libp2p<{ identify: Identify; pubsub: ValidatingGossipSub }>;

export interface NodeOptions {
  /** Listen multiaddrs. Default: loopback only, on a port the system picks. */
  readonly listen?: readonly string[];
  /** Addresses to announce instead of the listen addresses (for hosts behind NAT). */
  readonly announce?: readonly string[];
  /** Multiaddrs with /p2p/<peer id> to dial at start and keep dialling. */
  readonly bootnodes?: readonly string[];
  /** Multicast DNS discovery on the local network (default true; tests turn it off). */
  readonly mdns?: boolean;
  /** The key file's bytes ("/key/swarm/psk/1.0.0/" format): only hosts with the same key connect. */
  readonly psk?: Uint8Array;
  /** The host's identity; a fresh Ed25519 key when absent. */
  readonly privateKey?: PrivateKey;
  readonly maxConnections?: number;
  /** New inbound connections accepted per second from one IP address (libp2p's default is 5). */
  readonly inboundConnectionsPerSecond?: number;
  readonly gater?: ConnectionGater;
  /** gossipsub settings chosen by src/p2p/gossip.ts. */
  readonly gossip: Partial<GossipsubOpts>;
}

export const DEFAULT_LISTEN: readonly string[] = Object.freeze(['/ip4/127.0.0.1/tcp/0']);
/** Enough for a healthy mesh (gossipsub's D is 6) and parallel block download, few enough for a small machine. */
export const DEFAULT_MAX_CONNECTIONS = 64;

/** Builds the host without starting it. */
export async function createP2PNode(options: NodeOptions): Promise<P2PNode> {
  const peerDiscovery: Array<() => PeerDiscovery> = [];
  if (options.mdns ?? true) peerDiscovery.push(mdns({ interval: 10_000 }) as () => PeerDiscovery);
  if (options.bootnodes && options.bootnodes.length > 0) {
    peerDiscovery.push(bootstrap({ list: [...options.bootnodes], timeout: 1_000 }) as () => PeerDiscovery);
  }
  const node = await createLibp2p({
    start: false,
    ...(options.privateKey ? { privateKey: options.privateKey } : {}),
    addresses: {
      listen: [...(options.listen ?? DEFAULT_LISTEN)],
      ...(options.announce ? { announce: [...options.announce] } : {}),
    },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(options.psk ? { connectionProtector: preSharedKey({ psk: options.psk }) } : {}),
    peerDiscovery,
    connectionGater: options.gater ?? {},
    connectionManager: {
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      inboundConnectionThreshold: options.inboundConnectionsPerSecond ?? 5,
      maxIncomingPendingConnections: 16,
    },
    services: {
      identify: identify(),
      pubsub: gossipsub(options.gossip) as (components: GossipSubComponents) => ValidatingGossipSub,
    },
  });
  if (typeof node.services.pubsub.reportMessageValidationResult !== 'function') {
    throw new Error('@libp2p/gossipsub no longer offers reportMessageValidationResult; asynchronous validation needs it');
  }
  return node;
}
