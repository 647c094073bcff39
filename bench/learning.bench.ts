/**
 * Does the chain learn as well as central training? Four honest contributors on the testnet
 * genesis (genesis.json) against AdamW from the same genesis model at equal tokens and at equal
 * sequential steps, held-out loss after 10, 20 and 40 blocks (bench/learning-run.ts), with the
 * share of honest contributions aggregated and of blocks that changed the model.
 *
 * The whole run trains about 3.3 M tokens (the chain's and the baselines'); on 2 busy cores that
 * is too long for `npm run bench`, so by default it stops after 10 blocks. LEARNING_BLOCKS=40
 * runs the full measurement that docs/protocol.md reports.
 */
import { loadGenesis } from '../chain/genesis.ts';
import { runLearning } from './learning-run.ts';

const FULL = [10, 20, 40];

export default async function learningBench(): Promise<Record<string, unknown>> {
  const last = Number(process.env['LEARNING_BLOCKS'] ?? 10);
  if (!Number.isInteger(last) || last < 1) throw new RangeError(`LEARNING_BLOCKS must be a positive integer, got ${process.env['LEARNING_BLOCKS']}`);
  const checkpoints = [...FULL.filter((b) => b < last), last];
  const genesis = (await loadGenesis()).params;
  const result = await runLearning({ genesis, contributors: 4, checkpoints });
  return { contributors: 4, ...result, recipe: { ...genesis.training, codecTopK: genesis.gauntlet.codecTopK, maxDeltaNorm: genesis.gauntlet.maxDeltaNorm } };
}
