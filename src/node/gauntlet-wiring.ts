/**
 * The Gauntlet's parts of a running node, made once per process and handed to FullNode through
 * its seams:
 *
 * - the network's dataset, which the chain needs to score the contributions of every block
 *   (`chainOptions.dataset`), and the pool of verifier threads that scores them
 *   (`chainOptions.lossBatch`, src/verifier/);
 * - the contribution pool, fed by gossip (`contributions`) and by the `submitcontribution` RPC,
 *   following the chain's tip;
 * - the miner's block source, which waits for the genesis' collection window after each tip and
 *   then builds the block with the pool's contributions on a worker thread, which scores them with
 *   its own verifier threads (`blockTemplate`);
 * - the Gauntlet's RPC methods and the dashboard, which show the model and the contributors
 *   (`rpcExtensions`).
 */
import type { Genesis } from '../../chain/genesis.ts';
import type { Contribution } from '../../consensus/types.ts';
import type { Dataset } from '../../trainer/pages.ts';
import type { LossBatch } from '../../trainer/reference/loss-batch.ts';
import { lossBatchFor } from '../verifier/loss-pool.ts';
import { createDashboardHandler } from '../dashboard/handler.ts';
import { ModelInsight } from '../dashboard/model-insight.ts';
import { ContributionPool } from '../gauntlet/contribution-pool.ts';
import { datasetSource, loadNetworkDataset } from '../gauntlet/dataset.ts';
import { GauntletTemplateSource } from '../miner/gauntlet-template.ts';
import { TemplateWorker } from '../miner/template-worker.ts';
import { gauntletMethods, type SubmitVerdict } from '../rpc/methods/gauntlet.ts';
import type { RpcExtensions } from '../rpc/server.ts';
import type { BlockTemplateSource } from './block-template.ts';
import type { FullNode } from './full-node.ts';

export interface NodeGauntlet {
  readonly dataset: Dataset;
  /** Scores a block's contributions on `verifyThreads` threads (the chain's `lossBatch`). */
  readonly lossBatch: LossBatch;
  readonly pool: ContributionPool;
  readonly blockTemplate: BlockTemplateSource;
  /** For FullNode's `rpcExtensions`: also points the pool at the node's chain. */
  rpcExtensions(node: FullNode): RpcExtensions;
  /** Ends the template thread and the verifier threads. */
  close(): Promise<void>;
}

export interface GauntletOptions {
  /** Threads that score a block's contributions, the calling one included (default 1). */
  readonly verifyThreads?: number;
}

export async function prepareGauntlet(genesis: Genesis, options: GauntletOptions = {}): Promise<NodeGauntlet> {
  const { params } = genesis;
  const verifyThreads = options.verifyThreads ?? 1;
  const dataset = await loadNetworkDataset(params);
  const verifier = await lossBatchFor(verifyThreads);
  const pool = new ContributionPool(params, genesis.hash);
  const worker = new TemplateWorker(datasetSource(params), verifyThreads);
  const source = new GauntletTemplateSource({ pool, worker });
  return {
    dataset,
    lossBatch: verifier.lossBatch,
    pool,
    blockTemplate: source.template,
    rpcExtensions: (node) => {
      pool.setTip(node.chain.tip().hash);
      pool.useRatings(() => node.chain.ratings());
      pool.follow(node.chain);
      const insight = new ModelInsight(node.chain);
      const submitContribution = (contribution: Contribution, bytes: Uint8Array): SubmitVerdict => {
        const result = pool.add(contribution, bytes);
        if (result.status === 'accept') {
          void node.network?.announceContribution(bytes).catch(() => undefined);
          return { accepted: true };
        }
        return { accepted: false, reason: result.status === 'ignore' ? `${result.reason}: ${result.detail}` : `${result.code}: ${result.reason}` };
      };
      return {
        methods: gauntletMethods({ insight, contributions: { submitContribution } }),
        httpHandler: createDashboardHandler({ node, insight }),
      };
    },
    close: async () => {
      await worker.close();
      await verifier.close();
    },
  };
}
