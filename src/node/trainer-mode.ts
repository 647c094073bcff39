/**
 * `gradientcoin node --train`: the node contributes. An honest contributor follows the node's own
 * chain, trains one pseudo-gradient per tip on the pages the Gauntlet assigns to its address, puts
 * it in the node's contribution pool and gossips it, but only at the synced tip: during an initial
 * sync every tip it passes is already built on. A progress line per contribution shows the
 * training and what the chain has paid this address so far.
 */
import type { KeyPair } from '../../chain/keys.ts';
import { encodeContribution } from '../../chain/contribution.ts';
import { encodeAddress } from '../../chain/address.ts';
import { addressHash } from '../../consensus/address.ts';
import { ordinal } from '../../consensus/gauntlet/state.ts';
import type { Contribution } from '../../consensus/types.ts';
import type { BackendChoice } from '../../trainer/engine/backends.ts';
import { HonestContributor } from '../contributor/honest.ts';
import { formatAmount } from '../wallet/amounts.ts';
import type { NodeGauntlet } from './gauntlet-wiring.ts';
import type { FullNode } from './full-node.ts';
import type { Logger } from '../log.ts';

export interface TrainerModeOptions {
  readonly node: FullNode;
  readonly gauntlet: NodeGauntlet;
  readonly keyPair: KeyPair;
  readonly backend: BackendChoice;
  readonly log: Logger;
}

/** Starts contributing; the returned function stops after the training under way. */
export function startTrainerMode(opts: TrainerModeOptions): () => Promise<void> {
  const { node, gauntlet, keyPair, log } = opts;
  const params = node.chain.params;
  const address = addressHash(keyPair.publicKey);
  const readable = encodeAddress(params.addressPrefix, address);
  let started = Date.now();
  const submit = (contribution: Contribution): void => {
    const bytes = encodeContribution(contribution);
    const verdict = gauntlet.pool.add(contribution, bytes);
    const rating = node.chain.getRating(address);
    const balance = node.chain.getAccount(address).balance;
    const progress = {
      height: node.chain.tip().height,
      trainSeconds: Math.round((Date.now() - started) / 100) / 10,
      trainTokensPerSecond: Math.round(contributor.tokensPerSecond),
      // The engine's own speed: the wall figure above also counts the time other processes and
      // this node's verification and mining took from the training thread.
      trainTokensPerCpuSecond: contributor.cpuTokensPerSecond === null ? null : Math.round(contributor.cpuTokensPerSecond),
      payloadBytes: contribution.payload.length,
      submitted: contributor.submitted,
      dropped: contributor.dropped,
      blocksPaid: rating?.contributions ?? 0,
      earnedGC: formatAmount(rating?.rewards ?? 0n),
      balanceGC: formatAmount(balance),
      ordinal: rating ? Math.round(ordinal(rating) * 100) / 100 : null,
      binaryMA: rating ? Math.round(rating.binaryMA * 1000) / 1000 : null,
    };
    if (verdict.status === 'accept') {
      void node.network?.announceContribution(bytes).catch(() => undefined);
      log.info(progress, 'contributed a pseudo-gradient');
    } else {
      log.warn({ ...progress, verdict }, 'the pool refused our contribution');
    }
  };
  let waitingLogged = false;
  const contributor = new HonestContributor({
    chain: node.chain,
    dataset: gauntlet.dataset,
    keyPair,
    backend: opts.backend,
    submit,
    onError: (err) => log.warn({ err }, 'training failed; trying again on the next tip'),
    ready: () => {
      const synced = isSynced(node);
      if (!synced && !waitingLogged) log.info({ height: node.chain.tip().height }, 'training waits until the node has synced');
      waitingLogged = !synced;
      return synced;
    },
  });
  node.chain.on('tip', () => {
    started = Date.now();
  });
  log.info({ address: readable, backend: opts.backend, steps: params.training.innerSteps }, 'training: contributing pseudo-gradients for every tip');
  contributor.start();
  return () => contributor.stop();
}

/** No sync under way and no peer claiming a longer chain (a node without a network is synced). */
export function isSynced(node: Pick<FullNode, 'network'>): boolean {
  const sync = node.network?.syncState();
  return sync === undefined || (!sync.syncing && sync.height >= sync.target);
}
