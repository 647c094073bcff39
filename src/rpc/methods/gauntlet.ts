/**
 * The Gauntlet's RPC methods: submitting a contribution, and reading the chain's model (its
 * parameters, its loss on held-out text) and the contributors' ratings. Built over a
 * ModelInsight, which the dashboard shares, and the node's contribution pool if it keeps one.
 *
 * getmodel returns the parameters as base64 of float32 little-endian, the bytes the model hash is
 * taken over, so a client checks what it received with `modelHash` and samples locally
 * (`gradientcoin generate`) without holding up the node.
 */
import { decodeContribution, MAX_CONTRIBUTION_BYTES } from '../../../chain/contribution.ts';
import { encodeAddress } from '../../../chain/address.ts';
import { DecodeError } from '../../../chain/errors.ts';
import { contributionId } from '../../../consensus/ids.ts';
import { addressHash } from '../../../consensus/address.ts';
import { toHex } from '../../../consensus/hash.ts';
import type { Contribution } from '../../../consensus/types.ts';
import { float32LittleEndianBytes } from '../../../trainer/model-hash.ts';
import type { ModelInsight } from '../../dashboard/model-insight.ts';
import { ModelHistoryError, type ModelAt } from '../../dashboard/model-history.ts';
import { RpcServerError } from '../errors.ts';
import type { RpcMethodTable } from './method.ts';
import type { Params } from './params.ts';

/** What a contribution pool says about a submission. */
export interface SubmitVerdict {
  readonly accepted: boolean;
  /** Why not, in words, when not accepted. */
  readonly reason?: string;
}

/** The node's side of submitcontribution: check against the tip, keep, and gossip. */
export interface ContributionSubmitter {
  submitContribution(contribution: Contribution, bytes: Uint8Array): SubmitVerdict | Promise<SubmitVerdict>;
}

export interface GauntletRpcOptions {
  readonly insight: ModelInsight;
  /** null when the node keeps no contribution pool: submissions are refused with a reason. */
  readonly contributions: ContributionSubmitter | null;
}

const HEIGHT = { name: 'height', description: 'a main-chain height (default: the tip)', optional: true } as const;
const MAX_HISTORY_POINTS = 512;

export function gauntletMethods(opts: GauntletRpcOptions): RpcMethodTable {
  const { insight } = opts;
  const chain = insight.chain;
  return {
    submitcontribution: {
      summary: 'submit a signed contribution (hex) for the block after the current tip',
      params: [{ name: 'hexdata', description: 'the encoded contribution in hex' }],
      result: '{accepted, reason?, id, contributor}: accepted when the pool kept it for the next block',
      run: async (p) => {
        const bytes = p.hex('hexdata', MAX_CONTRIBUTION_BYTES);
        let contribution: Contribution;
        try {
          contribution = decodeContribution(bytes);
        } catch (err) {
          if (err instanceof DecodeError) return { accepted: false, reason: `the contribution does not decode: ${err.message}` };
          throw err;
        }
        const id = toHex(contributionId(contribution));
        const contributor = encodeAddress(chain.params.addressPrefix, addressHash(contribution.contributorPublicKey));
        if (!opts.contributions) return { accepted: false, reason: 'this node keeps no contribution pool', id, contributor };
        const verdict = await opts.contributions.submitContribution(contribution, bytes);
        return verdict.accepted ? { accepted: true, id, contributor } : { accepted: false, reason: verdict.reason ?? 'refused', id, contributor };
      },
    },

    getmodelinfo: {
      summary: "the model at a height: its hash, size and loss on held-out text, optionally the loss over the chain's history",
      params: [HEIGHT, { name: 'history', description: `points of loss history to include, 0 to ${MAX_HISTORY_POINTS} (default 0)`, optional: true }],
      result: '{height, hash, modelHash, parameters, spec, heldOutLoss (null without the dataset), heldOutPositions, lossHistory?: [{height, loss}]}',
      run: async (p) => {
        const at = await modelAt(insight, p);
        const points = p.integer('history', 0, MAX_HISTORY_POINTS, 0);
        return {
          ...describe(insight, at),
          heldOutLoss: insight.lossOf(at),
          heldOutPositions: insight.heldOut?.positions ?? 0,
          ...(points > 0 ? { lossHistory: await insight.lossHistory(at.entry.height, points) } : {}),
        };
      },
    },

    getmodel: {
      summary: 'the model parameters at a height, as base64 of float32 little-endian',
      params: [HEIGHT],
      result: '{height, hash, modelHash, parameters, spec, params}; modelHash is BLAKE3 over the decoded bytes, as in the block header',
      run: async (p) => {
        const at = await modelAt(insight, p);
        return { ...describe(insight, at), params: Buffer.from(float32LittleEndianBytes(at.model)).toString('base64') };
      },
    },

    getcontributors: {
      summary: "every contributor's rating and rewards at the tip, best first",
      params: [],
      result: '[{address, mu, sigma, ordinal, binaryMA, final, contributions, rewards}], rewards in base units as a decimal string',
      run: () => insight.contributors(),
    },
  };
}

async function modelAt(insight: ModelInsight, p: Params): Promise<ModelAt> {
  const height = p.has('height') ? p.integer('height', 0, 2 ** 32 - 1) : undefined;
  try {
    return await insight.modelAt(height);
  } catch (err) {
    if (err instanceof ModelHistoryError) {
      throw new RpcServerError(err.code === 'height-out-of-range' ? 'invalid-parameter' : 'misc-error', err.reason);
    }
    throw err;
  }
}

function describe(insight: ModelInsight, at: ModelAt): Record<string, unknown> {
  const { spec } = insight.layout;
  return {
    height: at.entry.height,
    hash: toHex(at.entry.hash),
    modelHash: at.modelHash,
    parameters: insight.layout.total,
    spec: {
      vocabSize: spec.vocabSize,
      contextLength: spec.contextLength,
      layers: spec.layers,
      width: spec.width,
      heads: spec.heads,
      tiedEmbeddings: spec.tiedEmbeddings,
    },
  };
}
