/**
 * One WebAssembly memory holding every float32 array a training run touches (parameters,
 * gradients, activations), so the WebAssembly kernels and the JavaScript kernels work on the
 * same bytes. Arrays are handed out once, 16-byte aligned, before any kernel runs; the memory
 * never grows afterwards, so the views stay valid.
 */
import { wasmApi } from '../reference/wasm-builder.ts';
import type { WasmMemory } from '../reference/wasm-builder.ts';
import { EngineError } from '../engine/errors.ts';
import { CONSTANTS_BYTES, CONSTANTS_PTR } from './kernel-constants.ts';

/** A float32 array inside the arena: its byte address for the kernels and its view for JavaScript. */
export interface Buf {
  readonly ptr: number;
  readonly length: number;
  readonly view: Float32Array;
}

const PAGE_BYTES = 65536;
/**
 * Address 0 is never handed out, so a pointer of 0 can mean "none" to the kernels; the kernels'
 * constant table (kernel-constants.ts) follows it.
 */
const RESERVED_BYTES = CONSTANTS_PTR + CONSTANTS_BYTES;

export class ArenaPlan {
  private bytes = RESERVED_BYTES;
  private readonly sizes: number[] = [];

  /** Reserves `length` floats; returns the index for Arena.buf. */
  reserve(length: number): number {
    this.sizes.push(length);
    this.bytes += Math.ceil((length * 4) / 16) * 16;
    return this.sizes.length - 1;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get lengths(): readonly number[] {
    return this.sizes;
  }
}

export class Arena {
  readonly memory: WasmMemory;
  readonly f32: Float32Array;
  private readonly bufs: Buf[] = [];

  constructor(plan: ArenaPlan) {
    if (wasmApi === undefined) throw new EngineError('backend-unavailable', 'this JavaScript engine has no WebAssembly');
    const pages = Math.ceil(plan.totalBytes / PAGE_BYTES) + 1;
    if (pages > 65536) throw new EngineError('invalid-argument', `the model and batch need ${plan.totalBytes} bytes, more than WebAssembly's 4 GiB`);
    this.memory = new wasmApi.Memory({ initial: pages });
    this.f32 = new Float32Array(this.memory.buffer);
    let ptr = RESERVED_BYTES;
    for (const length of plan.lengths) {
      this.bufs.push({ ptr, length, view: this.f32.subarray(ptr / 4, ptr / 4 + length) });
      ptr += Math.ceil((length * 4) / 16) * 16;
    }
  }

  buf(index: number): Buf {
    const b = this.bufs[index];
    if (b === undefined) throw new Error(`arena has no buffer ${index}`);
    return b;
  }
}
