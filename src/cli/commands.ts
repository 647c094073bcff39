/** The list of subcommands; each module exports one `register(program)`. */
import type { Command } from 'commander';
import { register as registerWallet } from './wallet.ts';
import { register as registerInit } from './init.ts';
import { register as registerNode } from './node.ts';
import { register as registerRpc } from './rpc.ts';
import { register as registerGenesis } from './genesis.ts';
import { register as registerGenerate } from './generate.ts';
import { register as registerTestnet } from './testnet.ts';

type Register = (program: Command) => void;

const registrations: Register[] = [registerInit, registerNode, registerRpc, registerWallet, registerGenesis, registerGenerate, registerTestnet];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
