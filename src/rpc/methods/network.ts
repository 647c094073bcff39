/** The P2P network: the peers and this node's own place in it. */
import type { RpcMethodTable } from './method.ts';
import { hex256, peersWithReadiness } from './views.ts';

export const networkMethods: RpcMethodTable = {
  getpeerinfo: {
    summary: 'the connected peers: address, direction, the tip they claim, their score',
    params: [],
    result: '[{id, addr, inbound, conntime, ready, height, tip, chainwork, score}]',
    run: (_p, node) =>
      peersWithReadiness(node.network).map((peer) => ({
        id: peer.id,
        addr: peer.address,
        inbound: peer.direction === 'inbound',
        conntime: Math.floor(peer.connectedAtMs / 1000),
        ready: peer.ready,
        height: peer.height,
        tip: peer.tip,
        chainwork: peer.chainwork === null ? null : hex256(peer.chainwork),
        score: peer.score,
      })),
  },

  getnetworkinfo: {
    summary: "this node's version, peer id, listen addresses and connection counts",
    params: [],
    result: '{version, subversion, network, networkactive, peerid, localaddresses, connections, connections_in, connections_out, mdns, privatenetwork, bans}',
    run: (_p, node) => {
      const network = node.network;
      const peers = network?.peers() ?? [];
      const inbound = peers.filter((p) => p.direction === 'inbound').length;
      return {
        version: node.version,
        subversion: `/gradientcoin:${node.version}/`,
        network: node.chain.params.network,
        networkactive: network !== null,
        peerid: network?.peerId ?? null,
        localaddresses: network?.addresses() ?? [],
        connections: peers.length,
        connections_in: inbound,
        connections_out: peers.length - inbound,
        mdns: node.networkSettings.mdns,
        privatenetwork: node.networkSettings.privateNetwork,
        bans: network?.bans().length ?? 0,
      };
    },
  },
};
