/**
 * The Gauntlet at the default genesis (genesis.json: the 0.12 M-parameter model, 2 own pages and
 * 2 random pages of 8 windows each): milliseconds to filter a block's contributions, to score one
 * contribution, and to validate whole blocks of 1, 8 and 32 (the limit) contributions with
 * connectBlockState, and to build an 8-contribution block as a miner.
 */
import { buildGauntletBlock, connectBlockState, type ParentState } from '../consensus/connect.ts';
import { checkContributions } from '../consensus/gauntlet/filters.ts';
import { addressHash } from '../consensus/address.ts';
import { compareBytes } from '../consensus/state-root.ts';
import { HEADER_VERSION } from '../consensus/params.ts';
import type { Block, Contribution } from '../consensus/types.ts';
import { signContribution } from '../chain/contribution.ts';
import { loadGenesis, type Genesis } from '../chain/genesis.ts';
import { keyPairFromSecret } from '../chain/keys.ts';
import { encodePseudoGradient } from '../trainer/codec.ts';
import { loadBrownCorpus } from '../trainer/io/corpus-loader.ts';
import { createDataset, type Dataset } from '../trainer/pages.ts';
import { createPrng } from '../trainer/prng.ts';

/** n signed contributions of seeded noise, in canonical order. */
function contributions(g: Genesis, n: number): Contribution[] {
  const p = g.params;
  const out = Array.from({ length: n }, (_, i) => {
    const key = keyPairFromSecret(new Uint8Array(32).fill(i + 1));
    const prng = createPrng(new TextEncoder().encode(`bench-${i}`));
    const delta = Float32Array.from({ length: g.model.length }, () => 1e-3 * prng.gaussian());
    const { payload } = encodePseudoGradient(delta, { chunkSize: p.gauntlet.codecChunkSize, topK: p.gauntlet.codecTopK });
    return signContribution({ chainId: p.chainId, contributorPublicKey: key.publicKey, parentHash: g.hash, payload }, key.secretKey, p.gauntlet.stampBits);
  });
  return out.sort((a, b) => compareBytes(addressHash(a.contributorPublicKey), addressHash(b.contributorPublicKey)));
}

function blockWith(g: Genesis, dataset: Dataset, parent: ParentState, list: Contribution[]): Block {
  const header = {
    version: HEADER_VERSION,
    height: 1,
    parentHash: g.hash,
    timestamp: g.block.header.timestamp + 20,
    bits: g.params.pow.genesisBits,
    nonce: 0n,
    minerAddress: new Uint8Array(20).fill(0xee),
  };
  return buildGauntletBlock(g.params, dataset, parent, { header, txs: [], contributions: list }).block;
}

function timed(runs: number, fn: () => void): number {
  fn(); // warm-up
  const start = performance.now();
  for (let r = 0; r < runs; r++) fn();
  return (performance.now() - start) / runs;
}

const round = (x: number): number => Math.round(x * 10) / 10;

export default async function gauntletBench(): Promise<Record<string, unknown>> {
  const g = await loadGenesis();
  const dataset = createDataset(await loadBrownCorpus(), { pageSize: g.params.corpus.pageSize });
  const parent: ParentState = { hash: g.hash, accounts: g.accounts, ratings: new Map(), model: g.model, modelHash: g.block.header.modelHash };
  const all = contributions(g, 32);
  const blocks = new Map([1, 8, 32].map((n) => [n, blockWith(g, dataset, parent, all.slice(0, n))]));
  const validate = (n: number): number => timed(n === 32 ? 1 : 3, () => void connectBlockState(g.params, dataset, parent, blocks.get(n)!));
  const empty = blockWith(g, dataset, parent, []);
  const emptyMs = timed(3, () => void connectBlockState(g.params, dataset, parent, empty));
  const one = validate(1);
  const eight = validate(8);
  const full = validate(32);
  return {
    parameters: g.model.length,
    windowsPerContribution: (g.params.gauntlet.pagesPerContributor + g.params.gauntlet.randomEvalPages) * g.params.gauntlet.windowsPerPage,
    filterMsPer8: round(timed(3, () => void checkContributions(g.params, blocks.get(8)!))),
    emptyBlockMs: round(emptyMs),
    validate1Ms: round(one),
    validate8Ms: round(eight),
    validate32Ms: round(full),
    perContributionMs: round((full - one) / 31),
    build8Ms: round(timed(1, () => void blockWith(g, dataset, parent, all.slice(0, 8)))),
  };
}
