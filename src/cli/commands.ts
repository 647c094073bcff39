/** The list of subcommands; each module exports one `register(program)`. */
import type { Command } from 'commander';
import { register as registerWallet } from './wallet.ts';
import { register as registerGenesis } from './genesis.ts';

type Register = (program: Command) => void;

const registrations: Register[] = [registerWallet, registerGenesis];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
