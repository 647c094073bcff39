/**
 * The second GPU path: tfjs-backend-webgpu running on Dawn, the WebGPU implementation that the
 * optional `webgpu` npm package ships as a Node addon. It needs no CUDA toolkit, only a GPU driver
 * Dawn can talk to (Vulkan on Linux, Metal on macOS, D3D12 on Windows).
 *
 * tfjs-backend-webgpu registers itself at import time only if `navigator.gpu` already exists, and
 * then asks for its own adapter. We instead ask Dawn for the adapter ourselves (so that "no GPU"
 * becomes a readable reason, not a failed promise logged to the console), then register the
 * backend on the device we opened.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError, describeThrown } from './errors.ts';
import { isInstalled, packageVersion } from './packages.ts';

interface DawnAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

interface DawnAdapter {
  readonly info?: DawnAdapterInfo;
  readonly isFallbackAdapter?: boolean;
  readonly features: ReadonlySet<string>;
  readonly limits: Readonly<Record<string, number>>;
  requestDevice(descriptor?: object): Promise<DawnDevice>;
}

interface DawnDevice {
  destroy(): void;
}

interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}

interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

export interface WebGpuOptions {
  /** Passed to Dawn's create(), e.g. ['adapter=NVIDIA H100'] or ['backend=vulkan']. */
  readonly dawnOptions: readonly string[];
  /** Accept a software adapter (SwiftShader, lavapipe): correct but slower than wasm. */
  readonly allowSoftwareAdapter: boolean;
}

const PACKAGE = 'webgpu';
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i;
/** The device limits tfjs-backend-webgpu asks for when it opens a device itself. */
const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

let openDevice: DawnDevice | null = null;
let webGpuDescription = '';

function isDawnModule(mod: unknown): mod is DawnModule {
  const m = mod as Partial<DawnModule> | null;
  return typeof m === 'object' && m !== null && typeof m.create === 'function' && typeof m.globals === 'object';
}

function describeAdapter(info: DawnAdapterInfo | undefined): string {
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((p) => p !== undefined && p !== '');
  return parts.length > 0 ? parts.join(' ') : 'unnamed adapter';
}

type NavigatorWithGpu = { gpu?: DawnGpu };

function navigatorObject(): NavigatorWithGpu {
  const g = globalThis as { navigator?: NavigatorWithGpu };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  return g.navigator!;
}

function setNavigatorGpu(gpu: DawnGpu | undefined): void {
  Object.defineProperty(navigatorObject(), 'gpu', { value: gpu, configurable: true, writable: true });
}

/**
 * Gives the GPU back: removes the tfjs backend, destroys the device and drops navigator.gpu, which
 * otherwise keeps Node's event loop alive after the work is done.
 */
export function releaseWebGpu(): void {
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  openDevice?.destroy();
  openDevice = null;
  const nav = (globalThis as { navigator?: NavigatorWithGpu }).navigator;
  if (nav?.gpu !== undefined) setNavigatorGpu(undefined);
}

async function openAdapter(options: WebGpuOptions): Promise<{ adapter: DawnAdapter; gpu: DawnGpu }> {
  let mod: unknown;
  try {
    const specifier: string = PACKAGE;
    mod = await import(specifier);
  } catch (err) {
    throw new EngineError('backend-failed', `the webgpu package is installed but its Dawn addon did not load (${describeThrown(err)}); reinstall it with \`npm install webgpu\``);
  }
  if (!isDawnModule(mod)) throw new EngineError('backend-failed', 'the webgpu package does not export create() and globals');
  // tfjs-backend-webgpu uses the WebGPU constants (GPUBufferUsage, GPUMapMode...) as globals.
  for (const [name, value] of Object.entries(mod.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const gpu = mod.create([...options.dawnOptions]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    throw new EngineError(
      'backend-unavailable',
      'WebGPU (Dawn) found no GPU adapter on this machine: on Linux it needs the Vulkan loader (libvulkan.so.1) and the GPU vendor\'s Vulkan driver',
    );
  }
  const info = adapter.info;
  const software = info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(describeAdapter(info));
  if (software && !options.allowSoftwareAdapter) {
    throw new EngineError('backend-unavailable', `WebGPU found only a software adapter (${describeAdapter(info)}), which is slower than wasm`);
  }
  return { adapter, gpu };
}

/** Loads, registers and selects the 'webgpu' tfjs backend; returns a description of the adapter. */
export async function loadWebGpu(options: WebGpuOptions): Promise<string> {
  if (!isInstalled(PACKAGE)) {
    throw new EngineError(
      'backend-missing',
      'the `webgpu` package (Dawn for Node) is not installed: run `npm install webgpu` on a machine with a GPU driver Dawn supports (Vulkan on Linux, Metal on macOS, D3D12 on Windows)',
    );
  }
  if (openDevice === null) {
    const { adapter, gpu } = await openAdapter(options);
    const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
    const requiredLimits: Record<string, number> = {};
    for (const name of LIMITS) {
      const limit = adapter.limits[name];
      if (limit !== undefined) requiredLimits[name] = limit;
    }
    let device: DawnDevice;
    try {
      device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
    } catch (err) {
      throw new EngineError('backend-failed', `WebGPU adapter ${describeAdapter(adapter.info)} refused a device: ${describeThrown(err)}`);
    }
    // The backend's constructor insists on navigator.gpu, so it must exist before we register.
    setNavigatorGpu(gpu);
    openDevice = device;
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const adapterInfo = adapter.info;
    const description = describeAdapter(adapterInfo);
    if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
    type BackendArgs = ConstructorParameters<typeof WebGPUBackend>;
    tf.registerBackend('webgpu', () => new WebGPUBackend(device as unknown as BackendArgs[0], adapterInfo as unknown as BackendArgs[1]), 0);
    webGpuDescription = `WebGPU on ${description} (Dawn ${packageVersion(PACKAGE)}, tfjs-backend-webgpu ${packageVersion('@tensorflow/tfjs-backend-webgpu')})`;
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    releaseWebGpu();
    throw new EngineError('backend-failed', `the webgpu backend failed to initialise: ${describeThrown(err)}`);
  }
  if (!ok) {
    releaseWebGpu();
    throw new EngineError('backend-failed', 'the webgpu backend failed to initialise');
  }
  return webGpuDescription;
}
