/**
 * Where a model's time goes: every step of a real run (the same fusion and per-image band as
 * run()), timed by the core, named after the plan's ops and sorted into the network's op classes.
 */
import { wrapNativeError } from '../native';
import type { Compiled } from '../plan/compile';

/** The op classes of an EfficientNet, in network order (what a roofline table groups by). */
export const OP_CLASSES = ['stem', 'expand 1x1', 'expand 1x1 + depthwise', 'depthwise', 'SE', 'project 1x1', 'head', 'classifier'] as const;

/** One of {@link OP_CLASSES}. */
export type OpClass = (typeof OP_CLASSES)[number];


/** One step of a profiled run. */
export interface ProfileStep {
  /** The plan ops it ran, e.g. ['blocks.1.0.expand', 'blocks.1.0.dw'] when two ran fused. */
  ops: string[];
  opClass: OpClass;
  /** Median over the runs. */
  ms: number;
  /** For the whole batch: 2 x multiply-adds. */
  flops: number;
  /** For the whole batch: activations read and written and packed weights, each once. */
  bytes: number;
  /** The part of `flops` done by the packed GEMM of the 1x1 convolutions (bf16 pair dots under precision 'bf16'). */
  gemmFlops: number;
}

/** What {@link EfficientNet.profile} measured. */
export interface ModelProfile {
  batch: number;
  runs: number;
  threads: number;
  kernelLevel: string;
  /** Median of the whole runs. */
  runMs: number;
  /** The steps before this index ran one image per thread (their times share out the band's wall time). */
  bandSteps: number;
  steps: ProfileStep[];
}

// The op class from the plan's op names (lib/plan/lower.ts): stem, <block>.expand, .dw, .se,
// .project, head, classifier.
function classOf(names: string[]): OpClass {
  if (names.length === 2) return 'expand 1x1 + depthwise';
  const name = names[0]!;
  if (name === 'stem' || name === 'head' || name === 'classifier') return name;
  const suffix = name.slice(name.lastIndexOf('.') + 1);
  const bySuffix: Record<string, OpClass> = { expand: 'expand 1x1', dw: 'depthwise', se: 'SE', project: 'project 1x1' };
  const found = bySuffix[suffix];
  if (found === undefined) throw new Error(`no op class for plan op '${name}'`);
  return found;
}

/**
 * Profiles `compiled` on a deterministic input batch.
 * @param perImage - input floats per image
 * @throws {EfficientNetError} ERR_INVALID_OPTION off the CPU backend; what run() throws
 */
export async function profileCompiled(compiled: Compiled, perImage: number, batch: number, runs: number, stack: Error): Promise<ModelProfile> {
  // Values in [-2, 2) like normalized pixels; the speed does not depend on them.
  const input = new Float32Array(perImage * batch);
  for (let i = 0; i < input.length; i++) input[i] = ((Math.imul(i, 2654435761) >>> 20) & 4095) / 1024 - 2;
  let native;
  try {
    native = await compiled.native.profile(input, batch, runs);
  } catch (err) {
    throw wrapNativeError(err, stack);
  }
  const steps = native.steps.map((s) => {
    const ops = compiled.opNames.slice(s.firstOp, s.firstOp + s.opCount);
    return { ops, opClass: classOf(ops), ms: s.ms, flops: s.flops, bytes: s.bytes, gemmFlops: s.gemmFlops };
  });
  return {
    batch,
    runs,
    threads: compiled.native.threads ?? 0,
    kernelLevel: compiled.native.kernels ?? '',
    runMs: native.runMs,
    bandSteps: native.bandSteps,
    steps,
  };
}
