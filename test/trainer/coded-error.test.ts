import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { CodedError, describeError, isCodedError, reviveError, type CodedErrorObject } from '../../trainer/coded-error.ts';
import { VerifyError, isVerifyError } from '../../consensus/errors.ts';
import { DecodeError } from '../../chain/errors.ts';
import { DatasetError } from '../../chain/dataset.ts';
import { GenesisError } from '../../chain/genesis-json.ts';
import { AddressError } from '../../chain/address.ts';
import { ChainDBError } from '../../chain/db/errors.ts';
import { TrainerError } from '../../trainer/errors.ts';
import { ModelSpecError } from '../../trainer/spec.ts';
import { EvaluatorError } from '../../trainer/reference/errors.ts';
import { EngineError } from '../../trainer/engine/errors.ts';
import { MempoolError } from '../../src/mempool/errors.ts';
import { P2PError } from '../../src/p2p/errors.ts';
import { RpcServerError } from '../../src/rpc/errors.ts';
import { RpcError } from '../../src/rpc/client.ts';
import { RpcServerListenError } from '../../src/rpc/server.ts';
import { CookieError } from '../../src/rpc/cookie.ts';
import { WalletError } from '../../src/wallet/errors.ts';
import { ConfigError } from '../../src/node/config.ts';
import { DatadirError } from '../../src/node/datadir.ts';
import { NodeStartError } from '../../src/node/full-node.ts';
import { TestnetConfigError } from '../../src/testnet/config.ts';
import { TestnetSetupError } from '../../src/testnet/setup.ts';
import { TestnetStartError } from '../../src/testnet/launcher.ts';
import { GenerateError } from '../../src/cli/generate.ts';
import { ModelHistoryError } from '../../src/dashboard/model-history.ts';

/** What a worker thread's postMessage does to a value: a real structured clone through a port. */
function acrossThreads<T>(value: T): T {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(value);
  const received = receiveMessageOnPort(port2);
  port1.close();
  assert.ok(received, 'nothing came through the port');
  return received.message as T;
}

test('every error class of the project is a CodedError with the message "code: reason"', () => {
  const errors: CodedError<string>[] = [
    new VerifyError('bad-bits', 'r'),
    new DecodeError('malformed', 'r'),
    new DatasetError('wrong-corpus', 'r'),
    new GenesisError('gauntlet.topK', 'r'),
    new AddressError('r'),
    new ChainDBError('corrupt', 'r'),
    new TrainerError('invalid-argument', 'r'),
    new ModelSpecError('heads', 'r'),
    new EvaluatorError('empty-batch', 'r'),
    new EngineError('diverged', 'r'),
    new MempoolError('fee-rate-too-low', 'r'),
    new P2PError('timeout', 'r'),
    new RpcServerError('invalid-params', 'r'),
    new RpcError('unreachable', 'r'),
    new RpcServerListenError('port-in-use', 'r'),
    new CookieError('no-cookie', 'r'),
    new WalletError('wrong-password', 'r'),
    new ConfigError('bad-port', 'r'),
    new DatadirError('other-genesis', 'r'),
    new NodeStartError('p2p-port-in-use', 'r'),
    new TestnetConfigError('r'),
    new TestnetSetupError('not-a-testnet', 'r'),
    new TestnetStartError('node-failed', 'r'),
    new GenerateError('bad-model', 'r'),
    new ModelHistoryError('block-missing', 'r'),
  ];
  for (const err of errors) {
    assert.ok(isCodedError(err), err.name);
    assert.ok(err instanceof Error, err.name);
    assert.equal(err.message, `${err.code}: ${err.reason}`, err.name);
    assert.equal(err.name, err.constructor.name);
    assert.ok(err.reason.endsWith('r'), err.name);
  }
  assert.equal(new Set(errors.map((e) => e.name)).size, errors.length);
});

test('reasons that name a field keep the field first', () => {
  assert.equal(new GenesisError('gauntlet.topK', 'must be an integer').message, 'bad-genesis: genesis: gauntlet.topK: must be an integer');
  const spec = new ModelSpecError('heads', 'must divide width');
  assert.equal(spec.message, 'bad-model-spec: heads: must divide width');
  assert.equal(spec.problem, 'must divide width');
});

test('the per-class guard checks the class and, if given, the code', () => {
  const err = new VerifyError('high-hash', 'above target', 50);
  assert.ok(VerifyError.is(err));
  assert.ok(VerifyError.is(err, 'high-hash'));
  assert.ok(!VerifyError.is(err, 'bad-bits'));
  assert.ok(!DecodeError.is(err));
  assert.ok(isVerifyError(err, 'high-hash'));
  assert.ok(!VerifyError.is(new Error('high-hash: above target')));
  assert.ok(isCodedError(err, 'high-hash'));
  assert.ok(!isCodedError(err, 'bad-bits'));
  assert.ok(!isCodedError('high-hash'));
});

test('a VerifyError crosses a thread with its class, code, reason and ban score', () => {
  const original = new VerifyError('bad-contrib-parent', 'contribution 2 names another parent', 10);
  const plain = acrossThreads(original);
  assert.ok(!(plain instanceof VerifyError), 'structured cloning alone keeps the class: the test proves nothing');
  const back = reviveError(acrossThreads(original.toObject()), [DatasetError, VerifyError]);
  assert.ok(back instanceof VerifyError);
  assert.ok(isVerifyError(back, 'bad-contrib-parent'));
  assert.equal(back.score, 10);
  assert.equal(back.reason, original.reason);
  assert.equal(back.message, original.message);
  assert.equal(back.name, 'VerifyError');
});

test('subclass fields of any kind survive the crossing', () => {
  const mempool = reviveError(acrossThreads(new MempoolError('invalid', 'bad signature', 'bad-tx-signature').toObject()), [MempoolError]);
  assert.ok(mempool instanceof MempoolError);
  assert.equal(mempool.verifyCode, 'bad-tx-signature');
  const rpc = reviveError(acrossThreads(new RpcError('rpc-error', 'no such block', -5, { height: 7 }).toObject()), [RpcError]);
  assert.ok(rpc instanceof RpcError);
  assert.equal(rpc.rpcCode, -5);
  assert.deepEqual(rpc.data, { height: 7 });
});

test('an error of a class the receiver does not list comes back as a CodedError with its code', () => {
  const data: CodedErrorObject = acrossThreads(new DatasetError('wrong-corpus', 'another corpus').toObject());
  const back = reviveError(data, [VerifyError]);
  assert.ok(!(back instanceof DatasetError));
  assert.ok(isCodedError(back, 'wrong-corpus'));
  assert.equal(back.name, 'DatasetError');
  assert.equal(back.message, 'wrong-corpus: another corpus');
});

test('describeError gives the message of an Error and the text of anything else', () => {
  assert.equal(describeError(new VerifyError('bad-bits', 'wrong bits')), 'bad-bits: wrong bits');
  assert.equal(describeError(new Error('plain')), 'plain');
  assert.equal(describeError('a string'), 'a string');
  assert.equal(describeError(42), '42');
  assert.equal(describeError(undefined), 'undefined');
});
