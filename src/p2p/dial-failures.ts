/**
 * Dials that keep failing while a node has no peer say something is wrong with the network, and
 * a node that only logs "peers=0" every few seconds says nothing. This counts failed dials and
 * gives, at most once a minute while no peer is connected, one line that says so; on a private
 * network (a swarm key) it names the likely cause, for a host with another key fails every
 * handshake the same way.
 */
export const DIAL_WARNING_INTERVAL_MS = 60_000;

export interface DialWarning {
  readonly failures: number;
  readonly lastError: string;
  readonly message: string;
}

export class DialFailures {
  readonly #privateNetwork: boolean;
  #failures = 0;
  #lastError = '';
  #lastWarningMs = -Infinity;

  constructor(privateNetwork: boolean) {
    this.#privateNetwork = privateNetwork;
  }

  failed(error: string): void {
    this.#failures += 1;
    this.#lastError = error;
  }

  /** A connected peer: the failures so far said nothing lasting. */
  connected(): void {
    this.#failures = 0;
  }

  /** The warning due now, if any (peers: how many completed the handshake). */
  check(peers: number, nowMs: number): DialWarning | null {
    if (peers > 0 || this.#failures === 0 || nowMs - this.#lastWarningMs < DIAL_WARNING_INTERVAL_MS) return null;
    this.#lastWarningMs = nowMs;
    const failures = this.#failures;
    this.#failures = 0;
    const cause = this.#privateNetwork
      ? 'handshakes are failing: this node uses a swarm key, and a host whose swarm key differs (or that has none) fails every connection; check that every node has the same swarm.key'
      : 'no peer could be reached: check the bootnode addresses, that the peers run, and that their TCP port is open';
    return { failures, lastError: this.#lastError, message: `no peers: ${failures} dial${failures === 1 ? '' : 's'} failed; ${cause}` };
  }
}
