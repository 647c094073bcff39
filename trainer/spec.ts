/**
 * The model's architecture as the genesis fixes it: a byte-level GPT (nanoGPT's shape) with
 * pre-LayerNorm blocks, GELU MLPs of width 4·d, learned position embeddings and, optionally,
 * an output head tied to the token embedding.
 */
import { CodedError } from './coded-error.ts';

export interface ModelSpec {
  /** Tokens are bytes, so this is 256 for every network; kept explicit for the layout. */
  readonly vocabSize: number;
  /** Sequence length the model sees (and the size of the position table). */
  readonly contextLength: number;
  readonly layers: number;
  /** Residual stream width d. */
  readonly width: number;
  /** Attention heads; width must be a multiple of heads. */
  readonly heads: number;
  /** Tied: logits = h · wteᵀ. Untied adds an lm_head matrix of its own. */
  readonly tiedEmbeddings: boolean;
}

/** A model spec that breaks a rule: `field` names it, `problem` says what is wrong with it. */
export class ModelSpecError extends CodedError<'bad-model-spec'> {
  readonly field: string;
  readonly problem: string;
  constructor(field: string, problem: string) {
    super('bad-model-spec', `${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}

function positiveInt(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ModelSpecError(field, `must be an integer from 1 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates an untrusted spec (for example from genesis.json) and names the first bad field. */
export function parseModelSpec(raw: unknown): ModelSpec {
  if (typeof raw !== 'object' || raw === null) throw new ModelSpecError('model', 'must be an object');
  const r = raw as Record<string, unknown>;
  const vocabSize = positiveInt(r['vocabSize'], 'vocabSize', 256);
  if (vocabSize !== 256) throw new ModelSpecError('vocabSize', 'must be 256 (byte-level tokens)');
  const contextLength = positiveInt(r['contextLength'], 'contextLength', 4096);
  const layers = positiveInt(r['layers'], 'layers', 64);
  const width = positiveInt(r['width'], 'width', 8192);
  const heads = positiveInt(r['heads'], 'heads', 256);
  if (width % heads !== 0) throw new ModelSpecError('heads', `width ${width} is not a multiple of heads ${heads}`);
  const tied = r['tiedEmbeddings'];
  if (typeof tied !== 'boolean') throw new ModelSpecError('tiedEmbeddings', 'must be true or false');
  return Object.freeze({ vocabSize, contextLength, layers, width, heads, tiedEmbeddings: tied });
}

/** The default private testnet's model: about 0.12 M parameters. */
export const DEFAULT_MODEL_SPEC: ModelSpec = Object.freeze({
  vocabSize: 256,
  contextLength: 64,
  layers: 2,
  width: 64,
  heads: 4,
  tiedEmbeddings: true,
});
