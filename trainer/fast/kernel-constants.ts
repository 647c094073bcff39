/**
 * The kernels' vector constants, read from a table in memory instead of written into the code.
 * V8 builds every v128.const where it is used, inside the loop, with three instructions (a 64-bit
 * immediate, a move into the vector register, a shuffle), and it does so again for a constant put
 * into a local before the loop, since a local that never changes is the constant itself to its
 * compiler. A vector loaded from memory is a value it cannot rebuild: loaded once before the loop,
 * it stays in a register or, where registers run out, is read from the stack as an operand.
 *
 * The table lives in the first bytes of every arena (arena.ts reserves them); kernels-module.ts
 * writes it when it binds the kernels to a memory. Kernels ask for a constant while their code is
 * generated and get back the code that loads it.
 */
import type { Code } from '../reference/wasm-builder.ts';
import { op } from '../reference/wasm-builder.ts';
import { simd32 } from './wasm-simd.ts';

/** Byte address of the table and its size: 64 vectors. */
export const CONSTANTS_PTR = 64;
export const CONSTANTS_BYTES = 1024;

const VECTOR_BYTES = 16;

export class ConstantTable {
  private readonly bytes = new Uint8Array(CONSTANTS_BYTES);
  private readonly slots = new Map<string, number>();

  /** Code leaving a vector with `value` in all four float32 lanes on the stack. */
  f32(value: number): Code {
    return this.lanes(new Float32Array([value, value, value, value]));
  }

  /** Code leaving a vector with `value` in all four int32 lanes on the stack. */
  i32(value: number): Code {
    return this.lanes(new Int32Array([value, value, value, value]));
  }

  /** Code leaving a vector of four given int32 lanes on the stack. */
  i32Lanes(lanes: readonly [number, number, number, number]): Code {
    return this.lanes(new Int32Array(lanes));
  }

  /** The table's contents, to be written at CONSTANTS_PTR. */
  get contents(): Uint8Array {
    return this.bytes;
  }

  private lanes(vector: Float32Array | Int32Array): Code {
    const raw = new Uint8Array(vector.buffer);
    const key = raw.join(',');
    let offset = this.slots.get(key);
    if (offset === undefined) {
      offset = this.slots.size * VECTOR_BYTES;
      if (offset + VECTOR_BYTES > CONSTANTS_BYTES) throw new Error(`the kernels need more than ${CONSTANTS_BYTES / VECTOR_BYTES} vector constants`);
      this.bytes.set(raw, offset);
      this.slots.set(key, offset);
    }
    return [...op.i32Const(CONSTANTS_PTR + offset), ...simd32.v128Load(0)];
  }
}

/** Code that loads each constant into its local: a kernel's prologue. */
export function loadConstants(locals: readonly (readonly [local: number, load: Code])[]): Code {
  return locals.flatMap(([local, load]) => [...load, ...op.localSet(local)]);
}
