/**
 * `gradientcoin`: one command with subcommands, in the conventions of bitcoind and bcoin. Each
 * subcommand lives in its own file and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.ts';
import { VERSION } from '../version.ts';
import { describeError, isCodedError } from '../../trainer/coded-error.ts';
import { useInvocationDirectory } from './working-dir.ts';

useInvocationDirectory();

const program = new Command();
program
  .name('gradientcoin')
  .description('GradientCoin: a proof-of-work blockchain whose blocks train a shared language model')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  // A person reads this line: a coded error's reason says what to do; its code is for programs.
  process.stderr.write(`error: ${isCodedError(err) ? err.reason : describeError(err)}\n`);
  process.exit(1);
}
