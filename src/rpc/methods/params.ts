/**
 * Call parameters, by position or by name (JSON-RPC 2.0 allows both). A method declares its
 * parameters in order; a call's params are bound to those names, then read with typed accessors
 * that answer a wrong type or range with 'invalid-params' naming the parameter. A null counts as
 * absent, as bitcoind reads it, so an optional parameter can be skipped by position.
 */
import { RpcServerError } from '../errors.ts';

export interface ParamSpec {
  readonly name: string;
  /** One line for `help`. */
  readonly description: string;
  readonly optional?: boolean;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export class Params {
  readonly method: string;
  readonly #values: ReadonlyMap<string, unknown>;

  private constructor(method: string, values: ReadonlyMap<string, unknown>) {
    this.method = method;
    this.#values = values;
  }

  /** Binds a request's params member (absent, an array or an object) to the declared names. */
  static bind(method: string, specs: readonly ParamSpec[], raw: unknown): Params {
    const values = new Map<string, unknown>();
    if (Array.isArray(raw)) {
      if (raw.length > specs.length) {
        throw invalid(method, `takes at most ${specs.length} parameter${specs.length === 1 ? '' : 's'}, got ${raw.length}`);
      }
      raw.forEach((value, i) => values.set(specs[i]!.name, value));
    } else if (typeof raw === 'object' && raw !== null) {
      const known = new Set(specs.map((s) => s.name));
      for (const [name, value] of Object.entries(raw)) {
        if (!known.has(name)) throw invalid(method, `has no parameter named "${name}"`);
        values.set(name, value);
      }
    } else if (raw !== undefined && raw !== null) {
      throw new RpcServerError('invalid-request', 'params must be an array or an object');
    }
    for (const spec of specs) {
      const value = values.get(spec.name);
      if (value === null || value === undefined) {
        values.delete(spec.name);
        if (!spec.optional) throw invalid(method, `needs the parameter "${spec.name}" (${spec.description})`);
      }
    }
    return new Params(method, values);
  }

  has(name: string): boolean {
    return this.#values.has(name);
  }

  string(name: string, maxLength = 1024): string {
    const v = this.#values.get(name);
    if (typeof v !== 'string') throw this.#wrong(name, 'a string', v);
    if (v.length > maxLength) throw invalid(this.method, `parameter "${name}" is longer than ${maxLength} characters`);
    return v;
  }

  /** Hex of any length up to maxBytes (both cases accepted). */
  hex(name: string, maxBytes: number): Uint8Array {
    const v = this.#values.get(name);
    if (typeof v !== 'string' || !HEX.test(v)) throw this.#wrong(name, 'a hex string of whole bytes', v);
    if (v.length / 2 > maxBytes) throw invalid(this.method, `parameter "${name}" is longer than ${maxBytes} bytes`);
    return Uint8Array.from(Buffer.from(v, 'hex'));
  }

  /** A 32-byte hash as 64 hex digits. */
  hash(name: string): Uint8Array {
    const v = this.#values.get(name);
    if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw this.#wrong(name, 'a hash of 64 hex digits', v);
    return Uint8Array.from(Buffer.from(v, 'hex'));
  }

  integer(name: string, min: number, max: number, fallback?: number): number {
    const v = this.#values.get(name);
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw this.#wrong(name, 'an integer', v);
    if (v < min || v > max) throw new RpcServerError('invalid-parameter', `${this.method}: parameter "${name}" must be from ${min} to ${max}, got ${v}`);
    return v;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.#values.get(name);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw this.#wrong(name, 'true or false', v);
    return v;
  }

  /** bitcoind's verbosity: an integer in [0, max], or a boolean (false = 0, true = 1). */
  verbosity(name: string, max: number, fallback: number): number {
    const v = this.#values.get(name);
    if (typeof v === 'boolean') return v ? 1 : 0;
    return this.integer(name, 0, max, fallback);
  }

  #wrong(name: string, expected: string, got: unknown): RpcServerError {
    return invalid(this.method, `parameter "${name}" must be ${expected}, got ${describe(got)}`);
  }
}

function invalid(method: string, reason: string): RpcServerError {
  return new RpcServerError('invalid-params', `${method} ${reason}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
