/**
 * libtensorflow through its Node bindings: @tensorflow/tfjs-node (CPU, multi-threaded) and
 * @tensorflow/tfjs-node-gpu (CUDA). Both are optional dependencies because their install
 * downloads libtensorflow, which fails on machines without that network access.
 *
 * Both packages register the same tfjs backend name, 'tensorflow', so only one of them can live
 * in a process; the engine remembers which one it loaded.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError, describeThrown } from './errors.ts';
import { isInstalled, packageVersion } from './packages.ts';

export type TfjsNodePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** What NodeJSKernelBackend exposes about itself (fields of tfjs-node's backend object). */
interface NodeKernelBackend {
  readonly isGPUPackage?: boolean;
  readonly isUsingGpuDevice?: boolean;
}

let loadedPackage: TfjsNodePackage | null = null;

function missingAdvice(pkg: TfjsNodePackage): string {
  const base = `${pkg} is not installed: its install downloads libtensorflow (from storage.googleapis.com), which failed or was skipped here; run \`npm install ${pkg}\` on a machine that can reach it`;
  return pkg === '@tensorflow/tfjs-node-gpu' ? `${base} (Linux x64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1)` : base;
}

export async function loadTfjsNode(pkg: TfjsNodePackage): Promise<string> {
  if (loadedPackage !== null && loadedPackage !== pkg) {
    throw new EngineError('backend-unavailable', `${loadedPackage} is already loaded in this process and ${pkg} registers the same 'tensorflow' backend; start a new process to switch`);
  }
  if (!isInstalled(pkg)) throw new EngineError('backend-missing', missingAdvice(pkg));
  if (loadedPackage === null) {
    try {
      const specifier: string = pkg;
      await import(specifier);
    } catch (err) {
      throw new EngineError('backend-failed', `${pkg} is installed but did not load (${describeThrown(err)}); try \`npm rebuild ${pkg}\``);
    }
    loadedPackage = pkg;
  }
  if (!(await tf.setBackend('tensorflow'))) throw new EngineError('backend-failed', `${pkg} loaded but its backend failed to initialise`);
  const backend = tf.findBackend('tensorflow') as NodeKernelBackend | null;
  const onGpu = backend?.isUsingGpuDevice === true;
  if (pkg === '@tensorflow/tfjs-node-gpu' && !onGpu) {
    throw new EngineError('backend-unavailable', `${pkg} loaded but libtensorflow found no usable CUDA GPU (check the NVIDIA driver, CUDA 11.2 and cuDNN 8.1)`);
  }
  const where = onGpu ? 'CUDA GPU' : 'CPU';
  return `libtensorflow on ${where} (${pkg} ${packageVersion(pkg)})`;
}
