/**
 * How deeply a parsed JSON value nests, measured without recursion. No method takes parameters
 * nested more than a few levels, and code that walks a value recursively (describing a wrong
 * parameter, logging it) overflows the stack on a 100,000-deep array that JSON.parse accepts; the
 * server refuses such params up front as invalid.
 */

/** Deepest nesting the server accepts in a request's params (an array inside params is depth 2). */
export const MAX_PARAMS_DEPTH = 32;

/** True when `value` nests arrays or objects more than `max` levels deep (a scalar is depth 0). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<{ readonly value: unknown; readonly depth: number }> = [{ value, depth: 0 }];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > max) return true;
    for (const child of Array.isArray(item.value) ? item.value : Object.values(item.value)) pending.push({ value: child, depth });
  }
  return false;
}
