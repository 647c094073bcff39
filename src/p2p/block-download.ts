/**
 * Fetches the blocks of a checked header run from several peers at once and connects them in
 * order. The run is cut into batches; each peer takes the lowest batch not yet taken, so the block
 * the chain needs next is always the first asked for. Blocks wait in a reorder buffer until their
 * turn, and the buffer is bounded: a peer may run ahead of the block being connected by a window of
 * blocks and bytes, never further (the batch holding the next block is always allowed, so a full
 * buffer cannot stall the download).
 *
 * Blocks a peer leaves out go back to the queue for the others; a peer that fails a request stops
 * taking batches. A block the chain rejects costs the peer that sent it; when the chain finds the
 * block invalid (not merely a body that does not match its header), the peer whose headers named
 * it is charged too, since an honest node serves headers only of blocks it has validated.
 */
import { toHexKey } from '../../consensus/bytes.ts';
import { toHex } from '../../consensus/hash.ts';
import { isVerifyError } from '../../consensus/errors.ts';
import type { Logger } from '../log.ts';
import { describeError } from './errors.ts';
import type { CheckedHeader } from './header-chain.ts';
import type { PeerJudgement } from './part-options.ts';
import type { PeerRecord } from './peer-table.ts';
import type { NetworkChain } from './seams.ts';
import { requestBlocksByHash } from './reqresp/blocks.ts';
import { MAX_BLOCKS_PER_REQUEST } from './reqresp/limits.ts';
import type { ReqResp } from './reqresp/reqresp.ts';

export interface DownloadOptions {
  readonly chain: NetworkChain;
  readonly reqresp: ReqResp;
  readonly log: Logger;
  /** The blocks to fetch and connect, in chain order. */
  readonly headers: readonly CheckedHeader[];
  /** The peer whose headers these are; it must have every block. */
  readonly primary: PeerRecord;
  /** Other peers that may have them. */
  readonly helpers: readonly PeerRecord[];
  readonly batchSize: number;
  /** Batches asked of one peer at a time. */
  readonly requestsPerPeer: number;
  /** How far (in blocks) a batch may start ahead of the next block to connect. */
  readonly windowBlocks: number;
  /** Bytes of fetched blocks waiting to be connected before no further batch is taken. */
  readonly maxBufferedBytes: number;
  readonly usable: (peer: PeerRecord) => boolean;
  readonly onPeerAction: PeerJudgement['onPeerAction'];
  readonly onConnected: (height: number) => void;
  readonly signal: AbortSignal;
}

export interface DownloadResult {
  readonly connected: number;
  /** Why the download stopped before the end, if it did. */
  readonly failure?: string;
}

interface Fetched {
  readonly bytes: Uint8Array;
  readonly from: string;
}

/** Resolves waiters when anything changes; a waiter re-checks its own condition. */
class Wake {
  #waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

export async function downloadBlocks(options: DownloadOptions): Promise<DownloadResult> {
  return new BlockDownload(options).run();
}

class BlockDownload {
  readonly #options: DownloadOptions;
  /** Batches not yet taken, as lists of indices into the headers, lowest first. */
  readonly #queue: number[][] = [];
  readonly #fetched = new Map<string, Fetched>();
  readonly #wake = new Wake();
  /** Ends requests still in flight once the download has failed. */
  readonly #abort = new AbortController();
  readonly #signal: AbortSignal;
  #next = 0;
  #buffered = 0;
  #inFlight = 0;
  #workers = 0;
  #connected = 0;
  #failure: string | undefined;

  constructor(options: DownloadOptions) {
    this.#options = options;
    this.#signal = AbortSignal.any([options.signal, this.#abort.signal]);
    const size = Math.max(1, Math.min(options.batchSize, MAX_BLOCKS_PER_REQUEST));
    for (let i = 0; i < options.headers.length; i += size) {
      this.#queue.push(Array.from({ length: Math.min(size, options.headers.length - i) }, (_, k) => i + k));
    }
  }

  async run(): Promise<DownloadResult> {
    const onAbort = (): void => this.#fail('cancelled');
    this.#options.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const unique = [this.#options.primary, ...this.#options.helpers.filter((p) => p.key !== this.#options.primary.key)];
      // Several requests in flight per peer hide the round trip behind the peer's own work.
      const peers = unique.flatMap((p) => Array.from({ length: this.#options.requestsPerPeer }, () => p));
      this.#workers = peers.length;
      const workers = peers.map((peer) => this.#worker(peer));
      await this.#connectInOrder();
      this.#wake.notify();
      await Promise.all(workers);
      return this.#failure ? { connected: this.#connected, failure: this.#failure } : { connected: this.#connected };
    } finally {
      this.#options.signal.removeEventListener('abort', onAbort);
    }
  }

  #fail(reason: string): void {
    this.#failure ??= reason;
    this.#abort.abort();
    this.#wake.notify();
  }

  get #finished(): boolean {
    return this.#failure !== undefined || this.#next >= this.#options.headers.length;
  }

  /** The next batch this worker may take, or null when there is nothing left for it. */
  async #take(): Promise<number[] | null> {
    while (!this.#finished) {
      const batch = this.#queue[0];
      if (batch) {
        const first = batch[0]!;
        const holdsNext = first <= this.#next;
        if (holdsNext || (first - this.#next < this.#options.windowBlocks && this.#buffered < this.#options.maxBufferedBytes)) {
          this.#queue.shift();
          return batch;
        }
      } else if (this.#inFlight === 0) {
        return null;
      }
      await this.#wake.wait();
    }
    return null;
  }

  #requeue(indices: number[]): void {
    const at = this.#queue.findIndex((b) => b[0]! > indices[0]!);
    if (at < 0) this.#queue.push(indices);
    else this.#queue.splice(at, 0, indices);
  }

  async #worker(peer: PeerRecord): Promise<void> {
    const isPrimary = peer.key === this.#options.primary.key;
    try {
      for (let batch = await this.#take(); batch; batch = await this.#take()) {
        if (!this.#options.usable(peer)) {
          this.#requeue(batch);
          return;
        }
        const hashes = batch.map((i) => this.#options.headers[i]!.hash);
        this.#inFlight += 1;
        let blocks;
        try {
          blocks = await requestBlocksByHash(this.#options.reqresp, peer.id, hashes, this.#signal);
        } catch (err) {
          this.#options.log.debug({ peer: peer.key, err: describeError(err) }, 'block batch failed');
          this.#requeue(batch);
          return;
        } finally {
          this.#inFlight -= 1;
          this.#wake.notify();
        }
        const got = new Set<string>();
        for (const block of blocks) {
          const key = toHexKey(block.hash);
          got.add(key);
          if (!this.#fetched.has(key)) {
            this.#fetched.set(key, { bytes: block.bytes, from: peer.key });
            this.#buffered += block.bytes.length;
          }
        }
        const missing = batch.filter((i) => !got.has(toHexKey(this.#options.headers[i]!.hash)));
        if (missing.length > 0) {
          this.#requeue(missing);
          // A response may stop early at the responder's byte budget: a prefix of the batch is
          // an honest answer. Gaps, or nothing at all, are not, from the peer whose headers these are.
          const prefix = blocks.length > 0 && missing[0] === batch[blocks.length];
          if (isPrimary && !prefix) {
            this.#options.onPeerAction(peer.key, 'mid-tolerance', 'left out blocks of its own headers');
            return;
          }
          // A helper on another branch has none of these: leave them to the others.
          if (blocks.length === 0) return;
        }
        this.#wake.notify();
      }
    } finally {
      this.#workers -= 1;
      this.#wake.notify();
    }
  }

  async #connectInOrder(): Promise<void> {
    const { headers, chain } = this.#options;
    while (!this.#finished) {
      const header = headers[this.#next]!;
      const key = toHexKey(header.hash);
      const fetched = this.#fetched.get(key);
      if (!fetched) {
        if (this.#workers === 0) {
          this.#fail(`no peer could supply block ${toHex(header.hash)}`);
          return;
        }
        await this.#wake.wait();
        continue;
      }
      this.#fetched.delete(key);
      this.#buffered -= fetched.bytes.length;
      try {
        const result = await chain.addBlock(fetched.bytes, { requested: true });
        if (result.status === 'orphan') {
          this.#fail(`block ${toHex(header.hash)} did not connect to its parent`);
          return;
        }
      } catch (err) {
        this.#blame(header, fetched, err);
        this.#fail(`block ${toHex(header.hash)} at height ${header.header.height}: ${describeError(err)}`);
        return;
      }
      this.#next += 1;
      this.#connected += 1;
      this.#options.onConnected(header.header.height);
      this.#wake.notify();
    }
  }

  #blame(header: CheckedHeader, fetched: Fetched, err: unknown): void {
    if (!isVerifyError(err)) return;
    if (err.score >= 100) {
      this.#options.onPeerAction(fetched.from, 'fatal', `sent invalid block ${toHex(header.hash)}: ${err.message}`);
      const primary = this.#options.primary.key;
      if (primary !== fetched.from && this.#options.chain.getInvalid(header.hash)) {
        this.#options.onPeerAction(primary, 'fatal', `served headers of invalid block ${toHex(header.hash)}`);
      }
    } else {
      this.#options.onPeerAction(fetched.from, 'mid-tolerance', `block ${toHex(header.hash)} refused: ${err.message}`);
    }
  }
}
