/**
 * Every RPC method the node serves, by name, with `help` built over them: without a parameter it
 * lists the methods with their one-line summaries, with a method name it describes that method's
 * parameters and result.
 */
import { RpcServerError } from '../errors.ts';
import { accountMethods } from './accounts.ts';
import { chainMethods } from './chain.ts';
import { controlMethods } from './control.ts';
import { mempoolMethods } from './mempool.ts';
import type { RpcMethod, RpcMethodTable } from './method.ts';
import { miningMethods } from './mining.ts';
import { networkMethods } from './network.ts';

/** The standard methods, `extra` ones (the Gauntlet's), and `help` over all of them. */
export function rpcMethods(extra: RpcMethodTable = {}): RpcMethodTable {
  const table: Record<string, RpcMethod> = {
    ...extra,
    ...chainMethods,
    ...accountMethods,
    ...mempoolMethods,
    ...miningMethods,
    ...networkMethods,
    ...controlMethods,
  };
  table['help'] = {
    summary: 'list the methods, or describe one',
    params: [{ name: 'command', description: 'a method name', optional: true }],
    result: 'text',
    run: (p) => (p.has('command') ? describeMethod(table, p.string('command', 64)) : listMethods(table)),
  };
  return Object.freeze(table);
}

function usage(name: string, method: RpcMethod): string {
  return [name, ...method.params.map((s) => (s.optional ? `[${s.name}]` : `<${s.name}>`))].join(' ');
}

function listMethods(table: RpcMethodTable): string {
  const names = Object.keys(table).sort();
  const lines = names.map((name) => [usage(name, table[name]!), table[name]!.summary] as const);
  const width = Math.max(...lines.map(([u]) => u.length));
  return lines.map(([u, summary]) => `${u.padEnd(width)}  ${summary}`).join('\n');
}

function describeMethod(table: RpcMethodTable, name: string): string {
  const method = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!method) throw new RpcServerError('invalid-parameter', `help: unknown method "${name}"`);
  const lines = [usage(name, method), '', method.summary, ''];
  if (method.params.length > 0) {
    lines.push('Parameters (by position, or by name):');
    for (const s of method.params) lines.push(`  ${s.name}${s.optional ? ' (optional)' : ''}: ${s.description}`);
    lines.push('');
  }
  lines.push(`Result: ${method.result}`);
  return lines.join('\n');
}
