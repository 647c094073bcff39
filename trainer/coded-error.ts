/**
 * The one shape of every error the project raises on purpose: a machine-readable code the program
 * branches on, a reason a person can act on, and the message `code: reason`. It lives in the lowest
 * layer (pure trainer/) so that every folder above, consensus/ included, may extend it. Errors cross
 * worker threads as plain objects (`toObject`) and come back as the same class (`reviveError`),
 * with every field, since structured cloning keeps neither the class nor its own fields.
 */

/** A coded error as plain data: what a worker thread posts instead of the error itself. */
export interface CodedErrorObject {
  readonly name: string;
  readonly code: string;
  readonly reason: string;
  /** The subclass' own fields (VerifyError's ban score, MempoolError's verifyCode, …). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A class that extends CodedError, whatever its constructor's parameters. */
export type CodedErrorClass = abstract new (...args: never[]) => CodedError<string>;

const BASE_KEYS = new Set(['name', 'code', 'reason', 'message', 'stack', 'cause']);

export class CodedError<Code extends string> extends Error {
  readonly code: Code;
  readonly reason: string;

  constructor(code: Code, reason: string, options?: ErrorOptions) {
    super(`${code}: ${reason}`, options);
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
  }

  /** True if `err` is an instance of this class (and has `code`, if given). */
  static is<T extends CodedError<string>>(this: abstract new (...args: never[]) => T, err: unknown, code?: T['code']): err is T {
    return err instanceof this && (code === undefined || err.code === code);
  }

  /** Plain data that survives postMessage; `reviveError` turns it back into this class. */
  toObject(): CodedErrorObject {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) if (!BASE_KEYS.has(key)) fields[key] = value;
    return { name: this.name, code: this.code, reason: this.reason, fields };
  }
}

/** True for any coded error, of any class (and with `code`, if given). */
export function isCodedError(err: unknown, code?: string): err is CodedError<string> {
  return err instanceof CodedError && (code === undefined || err.code === code);
}

/**
 * An error from its `toObject` image: an instance of the class in `known` with the same name (its
 * constructor is not run, so no argument is re-checked or lost), else a CodedError of the base
 * class with the same code and reason, so `isCodedError` and the code still work.
 */
export function reviveError(data: CodedErrorObject, known: readonly CodedErrorClass[]): CodedError<string> {
  const cls = known.find((candidate) => candidate.name === data.name) ?? CodedError;
  const err = Reflect.construct(Error, [`${data.code}: ${data.reason}`], cls) as CodedError<string>;
  Object.assign(err, { name: data.name, code: data.code, reason: data.reason }, data.fields);
  return err;
}

/** The message of anything thrown, for a log line or a reason string. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
