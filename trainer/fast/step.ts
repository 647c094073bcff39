/**
 * The model being trained: one pass over a batch gives the mean loss and, when asked, its gradient
 * in the workspace's grads; an AdamW step then updates the parameters. A workspace is reused while
 * batches fit it; a larger one takes over the parameters and AdamW's moments.
 */
import type { ParamLayout } from '../layout.ts';
import { backward } from './backward.ts';
import type { BatchRows } from './batch-rows.ts';
import { batchRows } from './batch-rows.ts';
import { crossEntropyForwardBackward, crossEntropySum } from './cross-entropy.ts';
import { forward } from './forward.ts';
import type { AdamWSettings } from './adamw.ts';
import { adamwUpdate, clipFactor } from './adamw.ts';
import { Workspace } from './workspace.ts';

export class FastModel {
  readonly layout: ParamLayout;
  private ws: Workspace | null = null;
  private steps = 0;
  /** θ until the first workspace exists (the workspace holds the live copy). */
  private start: Float32Array;

  constructor(layout: ParamLayout, params: Float32Array) {
    this.layout = layout;
    this.start = params;
  }

  /** The workspace for `rows`, a larger one (carrying the parameters over) when it does not fit. */
  workspaceFor(rows: BatchRows): Workspace {
    const capacity = { rows: rows.padded, attentionArea: rows.attentionArea };
    if (this.ws === null || !this.ws.fits(capacity)) {
      const ws = new Workspace(this.layout, capacity);
      if (this.ws === null) {
        ws.params.view.set(this.start);
      } else {
        ws.params.view.set(this.ws.params.view);
        ws.moment1.view.set(this.ws.moment1.view);
        ws.moment2.view.set(this.ws.moment2.view);
      }
      this.ws = ws;
    }
    return this.ws;
  }

  /** Replaces the parameters (for evaluating several parameter vectors on one workspace). */
  load(params: Float32Array): void {
    if (this.ws === null) this.start = params;
    else this.ws.params.view.set(params);
  }

  /** The live parameters (a view: copy them to keep them). */
  get params(): Float32Array {
    return this.ws?.params.view ?? this.start;
  }

  get grads(): Float32Array | null {
    return this.ws?.grads.view ?? null;
  }

  /** Mean loss over the batch; with `gradient`, also the gradient into grads (overwritten). */
  pass(sequences: readonly Uint8Array[], gradient: boolean): number {
    const rows = batchRows(this.layout.spec, sequences);
    const ws = this.workspaceFor(rows);
    const vocab = this.layout.spec.vocabSize;
    const logits = forward(ws, rows);
    if (!gradient) return crossEntropySum(logits.view, rows, vocab) / rows.count;
    const total = crossEntropyForwardBackward(ws, logits, rows, vocab);
    ws.grads.view.fill(0);
    backward(ws, rows);
    return total / rows.count;
  }

  /** One AdamW step with the gradient of the last pass (clipped first if the settings say so). */
  update(settings: AdamWSettings): void {
    const ws = this.ws;
    if (ws === null) throw new Error('update before any pass');
    this.steps++;
    adamwUpdate(ws, this.steps, settings, settings.gradClip === undefined ? 1 : clipFactor(ws, settings.gradClip));
  }

  /**
   * Makes the last pass's gradient (of `ownRows` rows) the gradient of the mean over those rows and
   * `other`'s (`otherRows` rows, computed elsewhere): g ← (ownRows·g + otherRows·other) / total.
   */
  mergeGradient(ownRows: number, other: Float32Array, otherRows: number): void {
    const grads = this.grads;
    if (grads === null) throw new Error('merge before any pass');
    const total = ownRows + otherRows;
    const own = ownRows / total;
    const theirs = otherRows / total;
    for (let i = 0; i < grads.length; i++) grads[i] = own * grads[i]! + theirs * other[i]!;
  }
}
