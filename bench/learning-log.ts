/**
 * The learning run of bench/learning-sweep.ts with every block's report printed (one JSON line per
 * block: each contribution's score, indicator, own-pages gain and whether it was aggregated).
 *
 *   [KEY_SET=n] node bench/learning-log.ts '<JSON overrides of genesis sections>' <checkpoints>
 */
import { relativeGain } from '../consensus/gauntlet/evaluate.ts';
import { genesisWithOverrides, runLearning } from './learning-run.ts';

const [overridesJson = '{}', checkpointList = '10'] = process.argv.slice(2);
const overrides = JSON.parse(overridesJson) as Record<string, Record<string, unknown>>;
const genesis = await genesisWithOverrides(overrides);
const round = (x: number): number => Math.round(x * 1e6) / 1e6;
await runLearning({
  genesis,
  contributors: Number(process.env['CONTRIBUTORS'] ?? 4),
  checkpoints: checkpointList.split(',').map(Number),
  baselines: false,
  keySet: Number(process.env['KEY_SET'] ?? 0),
  onCheckpoint: (point) => process.stdout.write(JSON.stringify({ point }) + '\n'),
  onBlock: (height, report) =>
    process.stdout.write(
      JSON.stringify({
        height,
        entries: report.map((e) => ({
          score: round(e.score),
          own: round(relativeGain(e.lossOwnBefore, e.lossOwnAfter)),
          indicator: e.indicator,
          aggregated: e.aggregated,
        })),
      }) + '\n',
    ),
});
