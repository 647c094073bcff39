/** The list of subcommands; each module exports one `register(program)`. */
import type { Command } from 'commander';
import { register as registerWallet } from './wallet.ts';

type Register = (program: Command) => void;

const registrations: Register[] = [registerWallet];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
