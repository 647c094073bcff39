/**
 * `gradientcoin`: one command with subcommands, in the conventions of bitcoind and bcoin. Each
 * subcommand lives in its own file and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands.ts';
import { useInvocationDirectory } from './working-dir.ts';

useInvocationDirectory();

const program = new Command();
program
  .name('gradientcoin')
  .description('GradientCoin: a proof-of-work blockchain whose blocks train a shared language model')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
