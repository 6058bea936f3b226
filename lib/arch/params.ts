/**
 * Canonical parameter names and shapes of an ArchSpec, in torch layouts (OIHW convs, [out, in]
 * linear). The key maps translate these names to torchvision/timm names; the summary counts them.
 */

import { expandBlocks, type ArchSpec } from './spec';

/** One tensor of the network: a learnt parameter, or a BN running statistic (buffer). */
export interface ParamSpec {
  /** Canonical name, e.g. "blocks.1.0.expand.conv.weight". */
  name: string;
  shape: number[];
  kind: 'param' | 'buffer';
}

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @param shape - dimensions
 * @returns their product
 * @throws never
 */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function convBn(out: ParamSpec[], prefix: string, weightShape: number[]): void {
  const c = weightShape[0]!;
  out.push({ name: `${prefix}.conv.weight`, shape: weightShape, kind: 'param' });
  out.push({ name: `${prefix}.bn.weight`, shape: [c], kind: 'param' });
  out.push({ name: `${prefix}.bn.bias`, shape: [c], kind: 'param' });
  out.push({ name: `${prefix}.bn.running_mean`, shape: [c], kind: 'buffer' });
  out.push({ name: `${prefix}.bn.running_var`, shape: [c], kind: 'buffer' });
}

/**
 * Every tensor the network needs, in execution order:
 * `stem.conv.weight` [stem,3,3,3], `stem.bn.*`; per block `blocks.{s}.{j}.expand.conv.weight`
 * [mid,in,1,1] + `.expand.bn.*` (only with expansion), `.dw.conv.weight` [mid,1,k,k] + `.dw.bn.*`,
 * `.se.reduce.{weight [se,mid,1,1], bias [se]}`, `.se.expand.{weight [mid,se,1,1], bias [mid]}`,
 * `.project.conv.weight` [out,mid,1,1] + `.project.bn.*`; `head.conv.weight` [head,last,1,1] +
 * `head.bn.*`; `classifier.weight` [numClasses, head], `classifier.bias` [numClasses].
 * BN `weight`/`bias` are params, `running_mean`/`running_var` buffers.
 *
 * @param arch - the spec
 * @returns the list (fresh arrays; the caller may keep them)
 * @throws never
 */
export function expectedParams(arch: ArchSpec): ParamSpec[] {
  const out: ParamSpec[] = [];
  convBn(out, 'stem', [arch.stem, 3, 3, 3]);
  let last = arch.stem;
  for (const b of expandBlocks(arch)) {
    if (b.hasExpand) convBn(out, `${b.name}.expand`, [b.midChannels, b.inChannels, 1, 1]);
    convBn(out, `${b.name}.dw`, [b.midChannels, 1, b.kernel, b.kernel]);
    out.push({ name: `${b.name}.se.reduce.weight`, shape: [b.seChannels, b.midChannels, 1, 1], kind: 'param' });
    out.push({ name: `${b.name}.se.reduce.bias`, shape: [b.seChannels], kind: 'param' });
    out.push({ name: `${b.name}.se.expand.weight`, shape: [b.midChannels, b.seChannels, 1, 1], kind: 'param' });
    out.push({ name: `${b.name}.se.expand.bias`, shape: [b.midChannels], kind: 'param' });
    convBn(out, `${b.name}.project`, [b.outChannels, b.midChannels, 1, 1]);
    last = b.outChannels;
  }
  convBn(out, 'head', [arch.head, last, 1, 1]);
  out.push({ name: 'classifier.weight', shape: [arch.numClasses, arch.head], kind: 'param' });
  out.push({ name: 'classifier.bias', shape: [arch.numClasses], kind: 'param' });
  return out;
}
