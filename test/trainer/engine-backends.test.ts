import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  AUTO_ORDER,
  BACKEND_NAMES,
  availableBackends,
  currentBackend,
  ensureBackend,
  parseBackendChoice,
  selectBackend,
} from '../../trainer/engine/backends.ts';
import type { BackendChoice } from '../../trainer/engine/backends.ts';
import { EngineError, isEngineError } from '../../trainer/engine/errors.ts';
import { isInstalled } from '../../trainer/engine/packages.ts';

test('with nothing selected, the engine runs on the fast engine (WebAssembly SIMD, single-threaded)', async () => {
  assert.equal(currentBackend(), null);
  const selected = await ensureBackend();
  assert.equal(selected.name, 'fast');
  assert.match(selected.description, /WebAssembly SIMD, float32.*1 thread \(trainer\/fast\)/);
});

test('cpu and wasm load by name and become the current backend', async () => {
  assert.equal((await selectBackend('cpu')).name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(currentBackend()?.name, 'cpu');
  assert.equal((await selectBackend('wasm')).name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

test('an unknown backend name is a typed error listing the valid ones', async () => {
  assert.throws(() => parseBackendChoice('cuda'), (e: unknown) => isEngineError(e, 'backend-unknown') && /auto, fast, wasm, cpu, tensorflow, gpu, webgpu/.test(e.reason));
  assert.equal(parseBackendChoice('auto'), 'auto');
  await assert.rejects(selectBackend('cuda' as BackendChoice), (e: unknown) => isEngineError(e, 'backend-unknown'));
});

test('a missing tfjs-node gives the install advice and keeps the current backend', { skip: isInstalled('@tensorflow/tfjs-node') && 'tfjs-node is installed here' }, async () => {
  await selectBackend('wasm');
  await assert.rejects(selectBackend('tensorflow'), (e: unknown) => {
    assert.ok(e instanceof EngineError);
    assert.equal(e.code, 'backend-missing');
    assert.match(e.reason, /@tensorflow\/tfjs-node is not installed/);
    assert.match(e.reason, /downloads libtensorflow/);
    assert.match(e.reason, /run `npm install @tensorflow\/tfjs-node`/);
    assert.doesNotMatch(e.message, /\n\s+at /, 'no stack trace in the message');
    return true;
  });
  assert.equal(currentBackend()?.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

test('a missing tfjs-node-gpu names CUDA in its advice', { skip: isInstalled('@tensorflow/tfjs-node-gpu') && 'tfjs-node-gpu is installed here' }, async () => {
  await assert.rejects(selectBackend('gpu'), (e: unknown) => isEngineError(e, 'backend-missing') && /npm install @tensorflow\/tfjs-node-gpu/.test(e.reason) && /CUDA/.test(e.reason));
});

test('a WebGPU adapter that computes wrongly fails the self-check (Dawn null backend)', { skip: !isInstalled('webgpu') && 'the webgpu package is not installed' }, async () => {
  await selectBackend('wasm');
  // Dawn's null backend accepts every command and computes nothing: it loads, but must not be trusted.
  await assert.rejects(selectBackend('webgpu', { dawnOptions: ['backend=null'] }), (e: unknown) => isEngineError(e, 'backend-failed') && /computes wrongly: self-check/.test(e.reason));
  assert.equal(currentBackend()?.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

test('availableBackends reports every backend, and a reason for each one that is not ready', async () => {
  await selectBackend('cpu');
  const statuses = await availableBackends();
  assert.deepEqual(statuses.map((s) => s.name), [...BACKEND_NAMES]);
  for (const s of statuses) {
    if (s.status === 'ready') assert.ok(s.description !== undefined && s.description.length > 0, s.name);
    else assert.ok(s.reason !== undefined && s.reason.length > 0, s.name);
  }
  assert.equal(statuses.find((s) => s.name === 'fast')?.status, 'ready');
  assert.equal(statuses.find((s) => s.name === 'wasm')?.status, 'ready');
  assert.equal(statuses.find((s) => s.name === 'cpu')?.status, 'ready');
  if (!isInstalled('@tensorflow/tfjs-node')) assert.equal(statuses.find((s) => s.name === 'tensorflow')?.status, 'missing');
  // Probing leaves the selection alone.
  assert.equal(currentBackend()?.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('auto takes the first backend of gpu, webgpu, fast, tensorflow, wasm, cpu that is ready', async () => {
  assert.deepEqual(AUTO_ORDER, ['gpu', 'webgpu', 'fast', 'tensorflow', 'wasm', 'cpu']);
  const statuses = await availableBackends();
  const selected = await selectBackend('auto');
  const ready = AUTO_ORDER.filter((name) => statuses.find((s) => s.name === name)?.status === 'ready');
  // auto refuses software WebGPU adapters that availableBackends would call ready.
  const expected = ready.filter((name) => name !== 'webgpu' || !/swiftshader|llvmpipe|lavapipe/i.test(statuses.find((s) => s.name === name)?.description ?? ''));
  assert.equal(selected.name, expected[0]);
  // Without a GPU, auto is the fast engine; tfjs stays on the backend it had.
  if (statuses.every((s) => (s.name !== 'gpu' && s.name !== 'webgpu') || s.status !== 'ready')) assert.equal(selected.name, 'fast');
  await selectBackend('wasm');
});
