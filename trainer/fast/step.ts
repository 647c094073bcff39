/**
 * One pass of the model over a batch: the mean loss, and with it (when asked) the gradient of the
 * mean loss in the workspace's grads. A workspace is reused while batches fit it.
 */
import type { ParamLayout } from '../layout.ts';
import { backward } from './backward.ts';
import type { BatchRows } from './batch-rows.ts';
import { batchRows } from './batch-rows.ts';
import { crossEntropyForwardBackward, crossEntropySum } from './cross-entropy.ts';
import { forward } from './forward.ts';
import { Workspace } from './workspace.ts';

export class FastModel {
  readonly layout: ParamLayout;
  private ws: Workspace | null = null;
  /** θ, kept here between workspaces (the workspace holds the live copy). */
  private readonly start: Float32Array;

  constructor(layout: ParamLayout, params: Float32Array) {
    this.layout = layout;
    this.start = params;
  }

  /** The workspace for `rows`, a larger one (carrying the parameters over) when it does not fit. */
  workspaceFor(rows: BatchRows): Workspace {
    const capacity = { rows: rows.padded, attentionArea: rows.attentionArea };
    if (this.ws === null || !this.ws.fits(capacity)) {
      const params = this.ws === null ? this.start : this.ws.params.view;
      const ws = new Workspace(this.layout, capacity);
      ws.params.view.set(params);
      this.ws = ws;
    }
    return this.ws;
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
}
