/**
 * Compiling a model's native plans: lowering the folded layers and handing the plan to the core.
 * Shared by load() and the plans compiled on first use (features(), cam({ full })).
 */
import type { ArchSpec, PaddingMode } from '../arch';
import { getNative, wrapNativeError, type NativeCompileOptions, type NativeModel } from '../native';
import { lowerToPlan, type PlanOutput } from './lower';
import type { ValueDesc } from './types';
import type { FoldedParams } from '../weights';

// run/classify/embed/cam; the stage maps are not here (why: docs/ARCHITECTURE.md, "One plan, and the extra ones").
export const MAIN_OUTPUTS: PlanOutput[] = ['logits', 'embedding', 'head_map'];
export const FEATURE_OUTPUTS: PlanOutput[] = ['stem', 'stage1', 'stage2', 'stage3', 'stage4', 'stage5', 'stage6', 'stage7'];

/** A compiled plan and where its outputs are. */
export interface Compiled {
  native: NativeModel;
  /** plan.outputs: value ids in the order native.run() takes its buffers. */
  order: number[];
  /** Per exported output: its value id and per-image shape. */
  outputs: Map<PlanOutput, { id: number; shape: ValueDesc }>;
  /** Each plan op's name, by op index (profiles name their steps with them). */
  opNames: string[];
}

/**
 * The {@link NativeCompileOptions} a model fixes at load() (all set), reused for its extra plans:
 * derived, so the compile options have one declaration.
 */
export type CompileChoices = Required<Pick<NativeCompileOptions, 'threads' | 'kernels' | 'device' | 'precision'>>;

export function compile(
  arch: ArchSpec,
  folded: FoldedParams,
  lower: { padding: PaddingMode; resolution: number | readonly [number, number]; outputs: PlanOutput[] },
  options: CompileChoices,
  stack: Error,
): Compiled {
  const { plan, outputs } = lowerToPlan(arch, folded, lower);
  let native: NativeModel;
  try {
    native = new (getNative().Model)(plan, options);
  } catch (err) {
    throw wrapNativeError(err, stack);
  }
  const map = new Map(lower.outputs.map((name) => [name, { id: outputs[name], shape: plan.values[outputs[name]] }]));
  return { native, order: plan.outputs, outputs: map, opNames: plan.ops.map((op) => op.name) };
}
