/**
 * The plans a model compiles on first use, beside its main plan: the stage maps of features(), and
 * cam({ full })'s plan for one photo size. Both are compiled from the BN-folded layers load() kept
 * (the weights are never read again: the file may be gone, the caller's buffer reused). Why the
 * stage maps are not in the main plan: docs/ARCHITECTURE.md, "One plan, and the extra ones".
 */
import type { ArchSpec, PaddingMode } from '../arch';
import { EfficientNetError } from '../errors';
import { compile, FEATURE_OUTPUTS, type Compiled, type CompileChoices, type PlanOutput } from '../plan';
import type { FoldedParams } from '../weights';

const disposedError = (): EfficientNetError =>
  new EfficientNetError('ERR_DISPOSED', 'This model has been disposed; load it again to run it');

/** The extra plans of one model; disposed with it. */
export class ExtraPlans {
  #folded: FoldedParams | undefined;
  #features: Promise<Compiled> | undefined;
  #whole: { key: string; plan: Promise<Compiled> } | undefined;

  constructor(
    readonly arch: ArchSpec,
    readonly padding: PaddingMode,
    readonly resolution: number,
    readonly compileOptions: CompileChoices,
    folded: FoldedParams,
  ) {
    this.#folded = folded;
  }

  /** The stage-map plan, compiled once on first use. A failed compile is not cached. */
  features(stack: Error): Promise<Compiled> {
    this.#features ??= this.#compile({ resolution: this.resolution, outputs: FEATURE_OUTPUTS }, stack);
    const pending = this.#features;
    pending.catch(() => {
      if (this.#features === pending) this.#features = undefined;
    });
    return pending;
  }

  /**
   * The plan of cam(..., { full: true }) for one input size. The last size is kept: a folder of
   * photos from one camera shares it; another size replaces it (runs in flight finish first).
   */
  whole(height: number, width: number, stack: Error): Promise<Compiled> {
    const key = `${height}x${width}`;
    if (this.#whole?.key !== key) {
      const previous = this.#whole?.plan;
      const plan = this.#compile({ resolution: [height, width], outputs: ['logits', 'head_map'] }, stack);
      this.#whole = { key, plan };
      previous?.then((c) => c.native.dispose(), () => undefined);
      plan.catch(() => {
        if (this.#whole?.plan === plan) this.#whole = undefined;
      });
    }
    return this.#whole!.plan;
  }

  /** Frees every extra plan (those still compiling once they exist) and the folded layers. */
  dispose(): void {
    for (const extra of [this.#features, this.#whole?.plan]) extra?.then((c) => c.native.dispose(), () => undefined);
    this.#features = undefined;
    this.#whole = undefined;
    this.#folded = undefined;
  }

  async #compile(lower: { resolution: number | readonly [number, number]; outputs: PlanOutput[] }, stack: Error): Promise<Compiled> {
    const folded = this.#folded;
    if (folded === undefined) throw disposedError();
    const compiled = compile(this.arch, folded, { padding: this.padding, ...lower }, this.compileOptions, stack);
    // dispose() may have come while this compiled.
    if (this.#folded === undefined) {
      compiled.native.dispose();
      throw disposedError();
    }
    return compiled;
  }
}
