/**
 * Request/response over libp2p streams: one stream per request, framed as reqresp/codec.ts says.
 *
 * Serving: the request frame is read within the protocol's size and time limits, decoded, charged
 * to the peer's token bucket, and answered chunk by chunk with backpressure. Requesting: the
 * response is read within its size, chunk-count and time limits and returned as payloads.
 *
 * Protocol violations are reported to the caller's `onPeerAction`, which owns scoring and bans:
 * an oversized, truncated or undecodable frame is fatal; a timeout or a server error costs a
 * little; being refused for our own rate or our own bad request costs the remote nothing.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface';
import { DecodeError } from '../../../chain/errors.ts';
import { describeError, isP2PError, P2PError, type P2PErrorCode } from '../errors.ts';
import type { PartServices, PeerJudgement } from '../part-options.ts';
import type { PeerAction } from '../peer-score.ts';
import type { ProtocolKind, ReqRespProtocols } from '../protocols.ts';
import type { P2PNode } from '../node.ts';
import { encodeErrorChunk, encodeFrame, encodeSuccessChunk, parseChunk, readFrames, RESULT } from './codec.ts';
import type { ProtocolLimits, ProtocolLimitTable } from './limits.ts';
import { PeerRateLimiter } from './rate-limit.ts';

export interface RequestHandler<T> {
  /** Decodes the request body; throws DecodeError on junk. */
  decode(body: Uint8Array): T;
  /** Tokens the request costs in the peer's bucket. */
  cost(request: T): number;
  /** The response payloads, in order. */
  respond(request: T, peer: string): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

export interface ReqRespOptions extends PartServices, PeerJudgement {
  readonly node: P2PNode;
  readonly protocols: ReqRespProtocols;
  readonly limits: ProtocolLimitTable;
  /** Concurrent inbound streams per connection and protocol. */
  readonly maxInboundStreams?: number;
}

export interface ReqRespCounters {
  served: number;
  refusedRateLimited: number;
  refusedInvalid: number;
  requested: number;
  failed: Partial<Record<P2PErrorCode, number>>;
}

/** Response failures that are the remote's fault, and what each costs it. */
const RESPONSE_PENALTY: Partial<Record<P2PErrorCode, PeerAction>> = {
  oversized: 'fatal',
  truncated: 'fatal',
  malformed: 'fatal',
  'too-many-chunks': 'fatal',
  unrequested: 'low-tolerance',
  timeout: 'high-tolerance',
  'server-error': 'high-tolerance',
  'stream-reset': 'high-tolerance',
};

export class ReqResp {
  readonly counters: ReqRespCounters = { served: 0, refusedRateLimited: 0, refusedInvalid: 0, requested: 0, failed: {} };
  readonly #options: ReqRespOptions;
  readonly #limiters = new Map<ProtocolKind, PeerRateLimiter>();
  readonly #stop = new AbortController();

  constructor(options: ReqRespOptions) {
    this.#options = options;
  }

  async handle<T>(kind: ProtocolKind, handler: RequestHandler<T>): Promise<void> {
    const limits = this.#options.limits[kind];
    this.#limiters.set(kind, new PeerRateLimiter(limits.rateLimit));
    await this.#options.node.handle(
      this.#options.protocols[kind],
      (stream, connection) => this.#serve(kind, handler, stream, connection),
      { maxInboundStreams: this.#options.maxInboundStreams ?? 8, maxOutboundStreams: 16 },
    );
  }

  /**
   * Sends one request and parses the payloads of the response's success chunks with `parse`.
   * Throws P2PError; what the failure costs the peer (a P2PError thrown by `parse` included) has
   * been reported by then.
   */
  async request<R>(
    peer: PeerId,
    kind: ProtocolKind,
    body: Uint8Array,
    parse: (payloads: Uint8Array[]) => R,
    signal?: AbortSignal,
  ): Promise<R> {
    const limits = this.#options.limits[kind];
    const peerKey = peer.toString();
    this.counters.requested += 1;
    const timeout = AbortSignal.timeout(limits.responseTimeoutMs);
    const abort = AbortSignal.any([timeout, this.#stop.signal, ...(signal ? [signal] : [])]);
    try {
      return parse(await this.#request(peer, kind, body, limits, abort));
    } catch (err) {
      const failure = toRequestError(err, abort, timeout);
      this.counters.failed[failure.code] = (this.counters.failed[failure.code] ?? 0) + 1;
      const action = RESPONSE_PENALTY[failure.code];
      if (action && !this.#stop.signal.aborted && !(signal?.aborted ?? false)) {
        this.#options.onPeerAction(peerKey, action, `${kind} response: ${failure.message}`);
      }
      throw failure;
    }
  }

  /** Forgets a disconnected peer's buckets. */
  forgetPeer(peer: string): void {
    for (const limiter of this.#limiters.values()) limiter.forget(peer);
  }

  async stop(): Promise<void> {
    this.#stop.abort(new P2PError('closed', 'the network is stopping'));
    for (const kind of this.#limiters.keys()) await this.#options.node.unhandle(this.#options.protocols[kind]).catch(() => undefined);
  }

  async #request(peer: PeerId, kind: ProtocolKind, body: Uint8Array, limits: ProtocolLimits, signal: AbortSignal): Promise<Uint8Array[]> {
    let stream: Stream;
    try {
      stream = await this.#options.node.dialProtocol(peer, this.#options.protocols[kind], { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof Error && err.name === 'UnsupportedProtocolError') {
        throw new P2PError('unsupported-protocol', `${peer.toString()} does not speak ${this.#options.protocols[kind]}`);
      }
      throw new P2PError('dial-failed', `cannot open ${kind} to ${peer.toString()}: ${describeError(err)}`);
    }
    const onAbort = (): void => stream.abort(new P2PError('timeout', `${kind} aborted`));
    signal.addEventListener('abort', onAbort, { once: true });
    // The reader is attached before the request goes out: a stream delivers its end only to a
    // reader listening when it comes, and a fast responder may answer and close at once.
    const reading = readResponse(stream, limits);
    reading.catch(() => undefined);
    try {
      stream.send(encodeFrame(body));
      await stream.close({ signal });
      return await reading;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (stream.status === 'open') stream.abort(new Error('request finished'));
    }
  }

  async #serve<T>(kind: ProtocolKind, handler: RequestHandler<T>, stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString();
    const limits = this.#options.limits[kind];
    const log = this.#options.log;
    if (this.#options.isBanned(peer)) {
      stream.abort(new P2PError('banned', 'banned peer'));
      return;
    }
    const deadline = setTimeout(() => stream.abort(new P2PError('timeout', `no ${kind} request within ${limits.requestTimeoutMs} ms`)), limits.requestTimeoutMs);
    let request: T;
    try {
      const frames = readFrames(stream, { maxFrameBytes: limits.maxRequestBytes, maxFrames: 1, maxTotalBytes: limits.maxRequestBytes });
      const first = await frames.next();
      await frames.return(undefined);
      if (first.done) throw new P2PError('truncated', 'the stream closed without a request');
      request = handler.decode(first.value);
    } catch (err) {
      clearTimeout(deadline);
      this.counters.refusedInvalid += 1;
      const failure = isP2PError(err) ? err : err instanceof DecodeError ? new P2PError('malformed', err.message) : null;
      if (!failure) {
        log.debug({ peer, protocol: kind, err: describeError(err) }, 'inbound request failed');
        stream.abort(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (failure.code === 'timeout' || failure.code === 'stream-reset') {
        this.#options.onPeerAction(peer, 'high-tolerance', `${kind} request: ${failure.message}`);
        stream.abort(failure);
        return;
      }
      // The answer goes out before the ban hangs up, so the peer learns why.
      await this.#sendAndClose(stream, [encodeErrorChunk(RESULT.invalidRequest, failure.message)]);
      this.#options.onPeerAction(peer, 'fatal', `${kind} request: ${failure.message}`);
      return;
    }
    clearTimeout(deadline);
    const cost = handler.cost(request);
    if (!this.#limiters.get(kind)!.take(peer, cost, this.#options.clockMs())) {
      this.counters.refusedRateLimited += 1;
      await this.#sendAndClose(stream, [encodeErrorChunk(RESULT.rateLimited, `over the ${kind} rate limit`)]);
      this.#options.onPeerAction(peer, 'high-tolerance', `${kind}: over the rate limit`);
      return;
    }
    try {
      let chunks = 0;
      let bytes = 0;
      for await (const payload of handler.respond(request, peer)) {
        const chunk = encodeSuccessChunk(payload);
        chunks += 1;
        bytes += payload.length + 1;
        if (chunks > limits.maxChunks || payload.length + 1 > limits.maxChunkBytes || bytes > limits.maxResponseBytes) break;
        if (!stream.send(chunk)) await stream.onDrain({ signal: AbortSignal.timeout(limits.responseTimeoutMs) });
      }
      this.counters.served += 1;
      await stream.close({ signal: AbortSignal.timeout(limits.responseTimeoutMs) });
    } catch (err) {
      log.debug({ peer, protocol: kind, err: describeError(err) }, 'answering a request failed');
      if (stream.status === 'open') await this.#sendAndClose(stream, [encodeErrorChunk(RESULT.serverError, 'the request could not be answered')]);
    }
  }

  async #sendAndClose(stream: Stream, chunks: Uint8Array[]): Promise<void> {
    try {
      for (const chunk of chunks) stream.send(chunk);
      await stream.close({ signal: AbortSignal.timeout(2_000) });
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

async function readResponse(stream: Stream, limits: ProtocolLimits): Promise<Uint8Array[]> {
  const payloads: Uint8Array[] = [];
  const frames = readFrames(stream, { maxFrameBytes: limits.maxChunkBytes, maxFrames: limits.maxChunks, maxTotalBytes: limits.maxResponseBytes });
  for await (const frame of frames) {
    const chunk = parseChunk(frame);
    if (chunk.code !== RESULT.success) throw new P2PError(remoteErrorCode(chunk.code), `remote says: ${chunk.reason}`);
    payloads.push(chunk.payload);
  }
  return payloads;
}

function remoteErrorCode(code: number): P2PErrorCode {
  if (code === RESULT.invalidRequest) return 'invalid-request';
  if (code === RESULT.rateLimited) return 'rate-limited';
  return 'server-error';
}

function toRequestError(err: unknown, abort: AbortSignal, timeout: AbortSignal): P2PError {
  if (timeout.aborted) return new P2PError('timeout', 'no complete response in time');
  if (abort.aborted) return new P2PError('closed', 'the request was cancelled');
  if (isP2PError(err)) return err;
  if (err instanceof DecodeError) return new P2PError('malformed', err.message);
  return new P2PError('stream-reset', describeError(err));
}
