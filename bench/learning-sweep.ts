/**
 * One point of the recipe sweep behind the testnet's defaults (docs/protocol.md, "The recipe"):
 * the learning run of bench/learning-run.ts on genesis.json with some fields replaced.
 *
 *   node bench/learning-sweep.ts '<JSON overrides of genesis sections>' <checkpoints> [baselines]
 *   node bench/learning-sweep.ts '{"gauntlet":{"maxDeltaNorm":2},"training":{"innerSteps":40}}' 10,20 no
 *
 * With 'only-baselines' as the third argument it runs the AdamW curves alone (they depend on the
 * recipe's learning rate, batch and inner steps, not on the Gauntlet's settings).
 *
 * Prints one JSON line: the overrides and the result.
 */
import { genesisWithOverrides, runBaselines, runLearning } from './learning-run.ts';

const [overridesJson = '{}', checkpointList = '10', baselines = 'no'] = process.argv.slice(2);
const overrides = JSON.parse(overridesJson) as Record<string, Record<string, unknown>>;
const genesis = await genesisWithOverrides(overrides);
const contributors = Number(process.env['CONTRIBUTORS'] ?? 4);
const checkpoints = checkpointList.split(',').map(Number);
if (baselines === 'only-baselines') {
  const print = (point: unknown): boolean => process.stdout.write(JSON.stringify({ point }) + '\n');
  process.stdout.write(JSON.stringify({ overrides, baselines: await runBaselines(genesis, contributors, checkpoints, print) }) + '\n');
  process.exit(0);
}
const result = await runLearning({
  genesis,
  contributors,
  checkpoints,
  baselines: baselines === 'yes',
  onCheckpoint: (point) => process.stdout.write(JSON.stringify({ point }) + '\n'),
});
process.stdout.write(JSON.stringify({ overrides, ...result, payloadNorms: undefined, norms: result.payloadNorms.filter((_, i) => i % 5 === 0) }) + '\n');
