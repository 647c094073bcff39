/**
 * mDNS finds peers by multicast to 224.0.0.251:5353; on a host without a route for it (no default
 * route, a container without multicast) libp2p's mDNS fails without a word. Connecting a UDP
 * socket makes the kernel look the route up without sending anything, so a node can say at start
 * that mDNS will not work, and why.
 */
import { createSocket } from 'node:dgram';

export const MDNS_GROUP = '224.0.0.251';
export const MDNS_PORT = 5353;

/** null when the host has a route to the mDNS group, else the system's error ("connect ENETUNREACH …"). */
export function probeMulticastRoute(group = MDNS_GROUP, port = MDNS_PORT): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (result: string | null): void => {
      socket.close();
      resolve(result);
    };
    socket.once('error', (err) => done(err.message));
    try {
      socket.connect(port, group, () => done(null));
    } catch (err) {
      done(err instanceof Error ? err.message : String(err));
    }
  });
}
