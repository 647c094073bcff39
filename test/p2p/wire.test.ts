import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encode as lpEncode } from 'it-length-prefixed';
import { fromHex, toHex } from '../../consensus/hash.ts';
import { DecodeError } from '../../chain/errors.ts';
import { encodeBlock, blockHash } from '../../chain/block.ts';
import { encodeHeader } from '../../chain/header.ts';
import { networkNames } from '../../src/p2p/protocols.ts';
import { isP2PError, P2PError } from '../../src/p2p/errors.ts';
import {
  chainworkToBytes,
  decodeBlocksByHashRequest,
  decodeBlocksByRangeRequest,
  decodeHeadersRequest,
  decodeHeadersResponse,
  decodeStatus,
  encodeBlocksByHashRequest,
  encodeBlocksByRangeRequest,
  encodeHeadersRequest,
  encodeHeadersResponse,
  encodeStatus,
} from '../../src/p2p/reqresp/messages.ts';
import { encodeErrorChunk, encodeFrame, encodeSuccessChunk, parseChunk, readFrames, RESULT } from '../../src/p2p/reqresp/codec.ts';
import { decodePoolRequest, POOL_REQUEST } from '../../src/p2p/reqresp/pool.ts';
import { peekBlockHeader } from '../../src/p2p/reqresp/blocks.ts';
import { protocolLimits, MAX_HEADERS_PER_REQUEST } from '../../src/p2p/reqresp/limits.ts';
import { messageId, topicLimits } from '../../src/p2p/gossip.ts';
import { BlockTree } from '../util/block-tree.ts';

const H = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

async function* chunks(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const item of source) out.push(item);
  return out;
}

const LIMITS = { maxFrameBytes: 100, maxFrames: 3, maxTotalBytes: 150 };

test('names carry the first 16 bytes of the genesis hash, so networks never share a topic or protocol', () => {
  const names = networkNames(fromHex('00112233445566778899aabbccddeeff'.repeat(2)));
  assert.equal(names.tag, '00112233445566778899aabbccddeeff');
  assert.deepEqual(names.topics, {
    blocks: '/gradientcoin/00112233445566778899aabbccddeeff/blocks',
    txs: '/gradientcoin/00112233445566778899aabbccddeeff/txs',
    contributions: '/gradientcoin/00112233445566778899aabbccddeeff/contributions',
  });
  assert.deepEqual(names.protocols, {
    status: '/gradientcoin/00112233445566778899aabbccddeeff/status/1',
    headers: '/gradientcoin/00112233445566778899aabbccddeeff/headers/1',
    blocksByHash: '/gradientcoin/00112233445566778899aabbccddeeff/blocks-by-hash/1',
    blocksByRange: '/gradientcoin/00112233445566778899aabbccddeeff/blocks-by-range/1',
    pool: '/gradientcoin/00112233445566778899aabbccddeeff/pool/1',
  });
  const other = networkNames(fromHex('00112233445566778899aabbccddeef0' + '00'.repeat(16)));
  assert.notEqual(other.topics.blocks, names.topics.blocks);
  assert.throws(() => networkNames(new Uint8Array(31)), RangeError);
});

test('golden bytes: status, headers, blocks-by-hash and blocks-by-range requests', () => {
  const status = { genesis: H(1), tipHash: H(2), height: 300, chainwork: 0x1_0000_0001n };
  assert.equal(
    toHex(encodeStatus(status)),
    '94c420' + '01'.repeat(32) + 'c420' + '02'.repeat(32) + 'cd012c' + 'c405' + '0100000001',
  );
  assert.deepEqual(decodeStatus(encodeStatus(status)), status);
  assert.equal(toHex(encodeHeadersRequest({ locator: [H(3)], max: 2000 })), '9291c420' + '03'.repeat(32) + 'cd07d0');
  assert.equal(toHex(encodeBlocksByHashRequest([H(4), H(5)])), '92c420' + '04'.repeat(32) + 'c420' + '05'.repeat(32));
  assert.equal(toHex(encodeBlocksByRangeRequest({ start: 7, count: 64 })), '920740');
  assert.deepEqual(decodeBlocksByRangeRequest(fromHex('920740')), { start: 7, count: 64 });
  // Chainwork is minimal big-endian: zero is empty, and a leading zero byte is refused.
  assert.equal(toHex(chainworkToBytes(0n)), '');
  assert.equal(toHex(chainworkToBytes(256n)), '0100');
  const padded = fromHex('94c420' + '01'.repeat(32) + 'c420' + '02'.repeat(32) + '01' + 'c402' + '0001');
  assert.throws(() => decodeStatus(padded), (e) => e instanceof DecodeError && e.code === 'non-canonical');
});

test('requests out of range are refused with a field-named DecodeError', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      assert.ok(err instanceof DecodeError);
      return `${err.code}: ${err.reason}`;
    }
    return 'accepted';
  };
  assert.match(code(() => decodeHeadersRequest(encodeHeadersRequest({ locator: [], max: 10 }))), /locator is empty/);
  assert.match(code(() => decodeHeadersRequest(encodeHeadersRequest({ locator: [H(1)], max: 2001 }))), /max is 2001/);
  assert.match(code(() => decodeHeadersRequest(encodeHeadersRequest({ locator: Array(65).fill(H(1)), max: 1 }))), /65 items/);
  assert.match(code(() => decodeBlocksByHashRequest(encodeBlocksByHashRequest([]))), /is empty/);
  assert.match(code(() => decodeBlocksByHashRequest(encodeBlocksByHashRequest(Array(65).fill(H(1))))), /65 items/);
  assert.match(code(() => decodeBlocksByRangeRequest(encodeBlocksByRangeRequest({ start: 0, count: 65 }))), /count is 65/);
  assert.match(code(() => decodeBlocksByRangeRequest(encodeBlocksByRangeRequest({ start: 0, count: 0 }))), /count is 0/);
  assert.match(code(() => decodeBlocksByHashRequest(encodeBlocksByHashRequest([new Uint8Array(31)]))), /32 bytes/);
});

test('every request fits its protocol limit at its largest', () => {
  const limits = protocolLimits(new BlockTree().params);
  const status = encodeStatus({ genesis: H(1), tipHash: H(2), height: 0xffffffff, chainwork: (1n << 320n) - 1n });
  assert.ok(status.length <= limits.status.maxRequestBytes, `status ${status.length}`);
  const headers = encodeHeadersRequest({ locator: Array(64).fill(H(9)), max: 0xffffffff });
  assert.ok(headers.length <= limits.headers.maxRequestBytes, `headers ${headers.length}`);
  assert.ok(encodeBlocksByHashRequest(Array(64).fill(H(9))).length <= limits.blocksByHash.maxRequestBytes);
  assert.ok(encodeBlocksByRangeRequest({ start: 0xffffffff, count: 0xffffffff }).length <= limits.blocksByRange.maxRequestBytes);
  assert.ok(POOL_REQUEST.length <= limits.pool.maxRequestBytes);
  // The pool request is one byte exactly: anything else is refused as malformed.
  assert.equal(decodePoolRequest(POOL_REQUEST), null);
  for (const junk of [new Uint8Array(0), Uint8Array.of(0xc0, 0xc0), Uint8Array.of(0x90)]) assert.throws(() => decodePoolRequest(junk), DecodeError);
});

test('a full headers response fits its chunk limit and round-trips', () => {
  const tree = new BlockTree();
  const header = tree.genesis.block.header;
  const response = encodeHeadersResponse(Array(MAX_HEADERS_PER_REQUEST).fill(header));
  assert.ok(response.length + 1 <= protocolLimits(tree.params).headers.maxChunkBytes, `${response.length}`);
  const decoded = decodeHeadersResponse(response);
  assert.equal(decoded.length, MAX_HEADERS_PER_REQUEST);
  assert.deepEqual(encodeHeader(decoded[1999]!), encodeHeader(header));
  assert.throws(() => decodeHeadersResponse(encodeHeadersResponse(Array(2001).fill(header))), DecodeError);
});

test('message decoders throw only DecodeError on random and mutated bytes', () => {
  const decoders = [decodeStatus, decodeHeadersRequest, decodeHeadersResponse, decodeBlocksByHashRequest, decodeBlocksByRangeRequest];
  const valid = [
    encodeStatus({ genesis: H(1), tipHash: H(2), height: 5, chainwork: 99n }),
    encodeHeadersRequest({ locator: [H(1), H(2)], max: 10 }),
    encodeBlocksByHashRequest([H(3)]),
    encodeBlocksByRangeRequest({ start: 1, count: 2 }),
  ];
  const onlyDecodeErrors = (bytes: Uint8Array): void => {
    for (const decode of decoders) {
      try {
        decode(bytes);
      } catch (err) {
        assert.ok(err instanceof DecodeError, `${decode.name}: ${String(err)}`);
      }
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), onlyDecodeErrors), { numRuns: 500 });
  fc.assert(
    fc.property(fc.nat(valid.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(), (which, at, value, cut) => {
      const bytes = valid[which]!.slice();
      bytes[at % bytes.length] = value;
      onlyDecodeErrors(bytes);
      onlyDecodeErrors(bytes.subarray(0, cut % bytes.length));
    }),
    { numRuns: 500 },
  );
});

test('frames: a length prefix over the limit fails before its data arrives', async () => {
  // The prefix claims 2 MB and no data follows: the reader must fail on the prefix alone.
  const claim = fromHex('80897a'); // varint 2,000,000
  assert.equal(lpEncode.single(new Uint8Array(2_000_000)).subarray(0, 3).toString(), claim.toString());
  await assert.rejects(collect(readFrames(chunks(claim), LIMITS)), (e) => isP2PError(e, 'oversized'));
});

test('frames: truncated, malformed prefix, too many and too much', async () => {
  const good = encodeFrame(new Uint8Array([1, 2, 3]));
  assert.deepEqual(await collect(readFrames(chunks(good, good.subarray(0, 2), good.subarray(2)), LIMITS)), [
    new Uint8Array([1, 2, 3]),
    new Uint8Array([1, 2, 3]),
  ]);
  await assert.rejects(collect(readFrames(chunks(good.subarray(0, 3)), LIMITS)), (e) => isP2PError(e, 'truncated'));
  await assert.rejects(collect(readFrames(chunks(new Uint8Array(6).fill(0xff)), LIMITS)), (e) => isP2PError(e, 'malformed'));
  await assert.rejects(collect(readFrames(chunks(good, good, good, good), LIMITS)), (e) => isP2PError(e, 'too-many-chunks'));
  const big = encodeFrame(new Uint8Array(90));
  await assert.rejects(collect(readFrames(chunks(big, big), LIMITS)), (e) => isP2PError(e, 'oversized'));
});

test('frames: random byte streams end in frames or a typed error, never anything else', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), async (parts) => {
      try {
        const frames = await collect(readFrames(chunks(...parts), LIMITS));
        assert.ok(frames.length <= LIMITS.maxFrames);
        for (const frame of frames) assert.ok(frame.length <= LIMITS.maxFrameBytes);
      } catch (err) {
        assert.ok(err instanceof P2PError, String(err));
      }
    }),
    { numRuns: 300 },
  );
});

test('response chunks: result codes, error reasons, unknown codes', () => {
  const ok = encodeSuccessChunk(new Uint8Array([7, 8]));
  assert.equal(toHex(ok), '03000708');
  assert.deepEqual(parseChunk(ok.subarray(1)), { code: RESULT.success, payload: new Uint8Array([7, 8]) });
  const err = encodeErrorChunk(RESULT.rateLimited, 'slow down');
  assert.deepEqual(parseChunk(err.subarray(1)), { code: RESULT.rateLimited, reason: 'slow down' });
  // Reasons are cut to 256 bytes by the sender and refused above that by the reader.
  assert.equal(encodeErrorChunk(RESULT.serverError, 'x'.repeat(1000)).length, 2 + 1 + 256);
  assert.throws(() => parseChunk(new Uint8Array([1, ...new Uint8Array(300)])), (e) => isP2PError(e, 'oversized'));
  assert.throws(() => parseChunk(new Uint8Array([9])), (e) => isP2PError(e, 'malformed'));
  assert.throws(() => parseChunk(new Uint8Array([])), (e) => isP2PError(e, 'malformed'));
});

test('a block hash is read from the front of its encoding; junk is malformed', () => {
  const tree = new BlockTree();
  const [a, b] = tree.branch(tree.genesis.hash, 2, { txs: [] });
  const withTx = tree.extend(blockHash(b!), { txs: [tree.pay(0, 1, 5n, 1n, 0n)] });
  for (const block of [a!, b!, withTx]) {
    const peeked = peekBlockHeader(encodeBlock(block));
    assert.deepEqual(peeked.hash, blockHash(block));
    assert.equal(peeked.header.height, block.header.height);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        peekBlockHeader(bytes);
      } catch (err) {
        assert.ok(isP2PError(err, 'malformed'));
      }
    }),
  );
});

test('gossip limits follow the genesis and message ids are bound to the topic', () => {
  const params = new BlockTree().params;
  // Blocks: the genesis allows 4 MiB, gossipsub carries 4 MiB less room for its RPC framing.
  assert.deepEqual(topicLimits(params), { blocks: 4 * 1024 * 1024 - 64 * 1024, txs: 256, contributions: 65536 + 256 });
  assert.equal(topicLimits(params, 1_000).blocks, 1_000);
  const data = new Uint8Array([1, 2, 3]);
  assert.equal(toHex(messageId('t', data)).length, 40);
  assert.notDeepEqual(messageId('t', data), messageId('u', data));
  assert.deepEqual(messageId('t', data), messageId('t', data.slice()));
  // Golden: SHA-256("t" ‖ 0x00 ‖ 010203), first 20 bytes.
  assert.equal(toHex(messageId('t', data)), 'ade89ab48f276939d48b2551e5a90b7418704d43');
});
