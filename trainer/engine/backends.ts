/**
 * Which tfjs backend the engine trains on. Training is not consensus (only the pure reference
 * evaluator is), so a contributor may use whatever is fastest on its machine; the backend only has
 * to compute correctly, which a tiny self-check verifies before the engine trusts it.
 *
 *   fast        trainer/fast: the GPT's own float32 kernels in WebAssembly SIMD, no tfjs. The
 *               default: about 3× tfjs-wasm on the default model (docs/training-engine.md).
 *   wasm        tfjs-backend-wasm, SIMD, single-threaded in Node. Always installed.
 *   cpu         tfjs-backend-cpu, plain JavaScript. Always installed, slowest.
 *   tensorflow  @tensorflow/tfjs-node, libtensorflow on the CPU (optional dependency).
 *   gpu         @tensorflow/tfjs-node-gpu, libtensorflow with CUDA (optional dependency).
 *   webgpu      tfjs-backend-webgpu on Dawn from the optional `webgpu` package.
 *   auto        the first of gpu, webgpu, fast, tensorflow, wasm, cpu that loads and passes the check:
 *               a GPU if there is one, else the fast engine.
 */
import * as tf from '@tensorflow/tfjs';
import { loadCpu, loadWasm } from './backend-builtin.ts';
import { loadTfjsNode } from './backend-tfjs-node.ts';
import { loadWebGpu, releaseWebGpu } from './backend-webgpu.ts';
import { EngineError, isEngineError, describeThrown } from './errors.ts';
import type { EngineErrorCode } from './errors.ts';
import { selfCheck } from './self-check.ts';
import { loadFast } from '../fast/backend.ts';
import { fastSelfCheck } from '../fast/self-check.ts';

export const BACKEND_NAMES = ['fast', 'wasm', 'cpu', 'tensorflow', 'gpu', 'webgpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

export const DEFAULT_BACKEND: BackendName = 'fast';
/**
 * Fastest first: a GPU, then the fast CPU engine, then tfjs on the CPU. Where two GPU paths
 * exist, CUDA through libtensorflow beats WebGPU.
 */
export const AUTO_ORDER: readonly BackendName[] = ['gpu', 'webgpu', 'fast', 'tensorflow', 'wasm', 'cpu'];

export interface SelectedBackend {
  readonly name: BackendName;
  /** What actually runs, e.g. "WebAssembly (@tensorflow/tfjs-backend-wasm 4.22.0, SIMD, 1 thread)". */
  readonly description: string;
}

export interface BackendStatus {
  readonly name: BackendName;
  /** ready: loads and passes the self-check; the others carry a reason saying what to do. */
  readonly status: 'ready' | 'missing' | 'unavailable' | 'failed';
  readonly description?: string;
  readonly reason?: string;
}

export interface SelectOptions {
  /** Options for Dawn's create() on the webgpu backend, e.g. ['adapter=NVIDIA H100']. */
  readonly dawnOptions?: readonly string[];
}

/**
 * The tfjs registry name behind each engine backend ('gpu' is tfjs-node-gpu's 'tensorflow');
 * null for the fast engine, which does not use tfjs.
 */
const TFJS_NAME: Readonly<Record<BackendName, string | null>> = {
  fast: null,
  wasm: 'wasm',
  cpu: 'cpu',
  tensorflow: 'tensorflow',
  gpu: 'tensorflow',
  webgpu: 'webgpu',
};

let current: SelectedBackend | null = null;
const checked = new Set<BackendName>();
/** Backend switches are global tfjs state; run them one at a time. */
let queue: Promise<unknown> = Promise.resolve();
let prodModeSet = false;

function serially<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

/** Validates a backend name from a command line or config file. */
export function parseBackendChoice(raw: string): BackendChoice {
  if (raw === 'auto' || (BACKEND_NAMES as readonly string[]).includes(raw)) return raw as BackendChoice;
  throw new EngineError('backend-unknown', `unknown backend "${raw}"; choose one of auto, ${BACKEND_NAMES.join(', ')}`);
}

async function load(name: BackendName, options: SelectOptions, forAuto: boolean): Promise<string> {
  if (!prodModeSet) {
    // Production mode silences tfjs' console advice ("install tfjs-node...") and its logging of
    // failed backend inits, which the engine reports itself as typed errors.
    tf.enableProdMode();
    prodModeSet = true;
  }
  switch (name) {
    case 'fast':
      return loadFast();
    case 'wasm':
      return loadWasm();
    case 'cpu':
      return loadCpu();
    case 'tensorflow':
      return loadTfjsNode('@tensorflow/tfjs-node');
    case 'gpu':
      return loadTfjsNode('@tensorflow/tfjs-node-gpu');
    case 'webgpu':
      return loadWebGpu({ dawnOptions: options.dawnOptions ?? [], allowSoftwareAdapter: !forAuto });
  }
}

/** Loads one backend, makes it tfjs' current one and checks its arithmetic; throws EngineError. */
async function loadChecked(name: BackendName, options: SelectOptions, forAuto: boolean): Promise<SelectedBackend> {
  let description: string;
  try {
    description = await load(name, options, forAuto);
  } catch (err) {
    if (isEngineError(err)) throw err;
    throw new EngineError('backend-failed', `the ${name} backend failed to load: ${describeThrown(err)}`);
  }
  if (!checked.has(name)) {
    const problem = name === 'fast' ? fastSelfCheck() : await selfCheck();
    if (problem !== null) {
      if (name === 'webgpu') releaseWebGpu();
      throw new EngineError('backend-failed', `the ${name} backend (${description}) computes wrongly: ${problem}`);
    }
    checked.add(name);
  }
  return Object.freeze({ name, description });
}

/** Puts tfjs back on the engine's selected backend after a probe or a failed switch. */
async function restore(): Promise<void> {
  const wanted = current === null ? null : TFJS_NAME[current.name];
  if (wanted !== null && tf.getBackend() !== wanted) await tf.setBackend(wanted);
}

function parseChoice(choice: BackendChoice): BackendChoice {
  return parseBackendChoice(String(choice));
}

/**
 * Makes `choice` the backend every later engine call runs on. A backend asked for by name that
 * cannot run throws an EngineError whose reason says what to install or why it cannot run here;
 * 'auto' only throws (code 'no-backend') if not even the JavaScript backend works.
 */
export function selectBackend(choice: BackendChoice = DEFAULT_BACKEND, options: SelectOptions = {}): Promise<SelectedBackend> {
  return serially(async () => {
    const wanted = parseChoice(choice);
    const names = wanted === 'auto' ? AUTO_ORDER : [wanted];
    const reasons: string[] = [];
    for (const name of names) {
      try {
        current = await loadChecked(name, options, wanted === 'auto');
        return current;
      } catch (err) {
        if (!isEngineError(err)) throw err;
        await restore();
        if (wanted !== 'auto') throw err;
        reasons.push(`${name}: ${err.reason}`);
      }
    }
    throw new EngineError('no-backend', `no backend loads and passes the self-check (${reasons.join('; ')})`);
  });
}

/** The backend selected last, or null if none has been selected yet. */
export function currentBackend(): SelectedBackend | null {
  return current;
}

/** The selected backend, selecting the default (fast) first if nothing has been chosen. */
export async function ensureBackend(): Promise<SelectedBackend> {
  if (current !== null) {
    const selected = current;
    const wanted = TFJS_NAME[selected.name];
    if (wanted !== null && tf.getBackend() !== wanted) await serially(restore);
    return selected;
  }
  return selectBackend(DEFAULT_BACKEND);
}

const STATUS_OF: Readonly<Partial<Record<EngineErrorCode, BackendStatus['status']>>> = {
  'backend-missing': 'missing',
  'backend-unavailable': 'unavailable',
};

/**
 * Tries every backend in turn (loading it and running the self-check) and says which are ready and,
 * for the others, why not. Leaves the selected backend as it was.
 */
export function availableBackends(options: SelectOptions = {}): Promise<BackendStatus[]> {
  return serially(async () => {
    const statuses: BackendStatus[] = [];
    for (const name of BACKEND_NAMES) {
      try {
        const { description } = await loadChecked(name, options, false);
        statuses.push(Object.freeze({ name, status: 'ready', description }));
      } catch (err) {
        if (!isEngineError(err)) throw err;
        statuses.push(Object.freeze({ name, status: STATUS_OF[err.code] ?? 'failed', reason: err.reason }));
      }
    }
    await restore();
    return statuses;
  });
}

/**
 * Releases what holds the process open (the WebGPU device) once training is over. A later engine
 * call selects its backend again.
 */
export function releaseBackends(): void {
  releaseWebGpu();
  checked.delete('webgpu');
  if (current?.name === 'webgpu') current = null;
}
