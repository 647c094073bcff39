/**
 * The model's loss on text nobody trained on: a fixed set of windows from the dataset's held-out
 * pages (never assigned to a contributor nor drawn for scoring), measured with the reference
 * evaluator, the same forward pass the Gauntlet scores with. It is what the dashboard charts and
 * `getmodelinfo` reports, so every node that follows the same chain shows the same number.
 *
 * A loss depends only on the model, so results are cached by model hash: blocks that aggregate
 * nothing keep their parent's model and cost nothing to measure again.
 */
import type { ParamLayout } from '../../trainer/layout.ts';
import type { Dataset } from '../../trainer/pages.ts';
import { preparedLoss, prepareModel } from '../../trainer/reference/index.ts';
import { evalWindows } from '../../trainer/windows.ts';

/** 16 pages × 4 windows × 64 positions: about 4,100 predictions, ~0.13 s for the default model. */
export const HELD_OUT_PAGES = 16;
export const HELD_OUT_WINDOWS_PER_PAGE = 4;
const CACHE_LIMIT = 4096;

/** Pages spread evenly over the held-out set (so over every genre of the corpus), fixed windows in each. */
export function heldOutWindows(dataset: Dataset, contextLength: number, pages = HELD_OUT_PAGES, perPage = HELD_OUT_WINDOWS_PER_PAGE): Uint8Array[] {
  const count = Math.min(pages, dataset.heldOutPageCount);
  const windows: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const j = Math.floor((k * dataset.heldOutPageCount) / count);
    windows.push(...evalWindows(dataset.heldOutPage(j), contextLength, perPage));
  }
  return windows;
}

export class HeldOutLoss {
  readonly windows: readonly Uint8Array[];
  readonly #layout: ParamLayout;
  readonly #cache = new Map<string, number>();

  constructor(layout: ParamLayout, dataset: Dataset) {
    this.#layout = layout;
    this.windows = heldOutWindows(dataset, layout.spec.contextLength);
  }

  /** Predicted positions per evaluation. */
  get positions(): number {
    return this.windows.reduce((n, w) => n + w.length - 1, 0);
  }

  cached(modelHashHex: string): number | undefined {
    return this.#cache.get(modelHashHex);
  }

  /** The mean cross-entropy in nats; `modelHashHex` must be the hash of `model` (it keys the cache). */
  lossOf(model: Float32Array, modelHashHex: string): number {
    const hit = this.#cache.get(modelHashHex);
    if (hit !== undefined) return hit;
    const loss = preparedLoss(prepareModel(this.#layout, model), this.windows);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(modelHashHex, loss);
    return loss;
  }
}
