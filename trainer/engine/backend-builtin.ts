/**
 * The two backends that ship with the project and always load: WebAssembly (the default: SIMD
 * kernels from XNNPACK, about 15× faster than plain JavaScript here) and plain JavaScript (the
 * slowest, kept as the last resort and as a second opinion in tests).
 *
 * Threads: tfjs-backend-wasm turns its multi-threaded build off under Node
 * (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE), and forcing it on fails: its pthread
 * workers are started from blob: URLs, which node:worker_threads rejects (ERR_WORKER_PATH). So
 * wasm runs single-threaded in Node; parallelism comes from running several processes.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.ts';
import { packageDir, packageVersion } from './packages.ts';

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';
let wasmPathsSet = false;

export async function loadWasm(): Promise<string> {
  if (!wasmPathsSet) {
    // The Emscripten loader would look next to the bundled script; point it at the .wasm files
    // in node_modules explicitly so it works however the engine is started.
    const dir = packageDir(WASM_PACKAGE);
    if (dir === null) throw new EngineError('backend-missing', `${WASM_PACKAGE} is not installed: run \`npm install\``);
    setWasmPaths(`${dir}dist/`);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend('wasm'))) {
    throw new EngineError('backend-failed', `the wasm backend failed to initialise: check that ${WASM_PACKAGE}/dist/*.wasm exist (reinstall with \`npm install\`)`);
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return `WebAssembly (${WASM_PACKAGE} ${packageVersion(WASM_PACKAGE)}, ${simd ? 'SIMD' : 'no SIMD'}, 1 thread)`;
}

export async function loadCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new EngineError('backend-failed', 'the cpu backend failed to initialise');
  return `plain JavaScript (@tensorflow/tfjs-backend-cpu ${packageVersion('@tensorflow/tfjs-backend-cpu')})`;
}
