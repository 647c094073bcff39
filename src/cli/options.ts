/** Option parsers shared by the subcommands (commander calls them with the raw text). */
import { InvalidArgumentError } from 'commander';

/** An integer option within [min, max]. */
export function integer(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`an integer from ${min} to ${max}`);
    return n;
  };
}

/** A repeatable option: each use appends to the list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
