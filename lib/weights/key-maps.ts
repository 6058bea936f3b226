/**
 * Key maps: canonical parameter names (lib/arch/params.ts) <-> the names in torchvision and timm
 * state dicts. Both are generated from the block list, so a map can never disagree with the arch.
 *
 * torchvision: `features.0.0` stem conv, `features.0.1` its BN; stage s (0-based) is
 *   `features.{s+1}`, block j is `features.{s+1}.{j}.block.K` where K counts the sub-modules:
 *   with expansion K = 0 expand, 1 depthwise, 2 SE, 3 project; WITHOUT expansion (stage 0) there is
 *   no expand module so K = 0 depthwise, 1 SE, 2 project. Conv `.K.0`, BN `.K.1`, SE `.K.fc1/.fc2`.
 *   Head `features.{1+stages}.0/.1` (features.8 for 7 stages), classifier `classifier.1` (.0 is dropout).
 * timm: `conv_stem`, `bn1`, `blocks.{s}.{j}.*`, `conv_head`, `bn2`, `classifier`; SE `se.conv_reduce/.conv_expand`.
 */

import { EfficientNetError } from '../errors';
import { expectedParams } from '../arch/params';
import { expandBlocks, type ArchSpec, type BlockSpec } from '../arch/spec';

/** A key naming scheme of a weight file. */
export type WeightFormat = 'torchvision' | 'timm';

/** The formats {@link resolveParams} accepts ('auto' = {@link detectFormat}). */
export const WEIGHT_FORMATS: readonly WeightFormat[] = ['torchvision', 'timm'];

const BLOCK = /^blocks\.(\d+)\.(\d+)\.(.+)$/;

function tvBlock(b: BlockSpec, rest: string): string {
  const o = b.hasExpand ? 1 : 0;
  const p = `features.${b.stage + 1}.${b.index}.block`;
  let m: RegExpExecArray | null;
  if ((m = /^(expand|dw|project)\.conv\.weight$/.exec(rest))) {
    const k = m[1] === 'expand' ? 0 : m[1] === 'dw' ? o : 2 + o;
    return `${p}.${k}.0.weight`;
  }
  if ((m = /^(expand|dw|project)\.bn\.(\w+)$/.exec(rest))) {
    const k = m[1] === 'expand' ? 0 : m[1] === 'dw' ? o : 2 + o;
    return `${p}.${k}.1.${m[2]}`;
  }
  if ((m = /^se\.(reduce|expand)\.(weight|bias)$/.exec(rest))) {
    return `${p}.${1 + o}.${m[1] === 'reduce' ? 'fc1' : 'fc2'}.${m[2]}`;
  }
  throw new EfficientNetError('ERR_INTERNAL', `no torchvision name for block tensor ${rest}`);
}

function timmBlock(b: BlockSpec, rest: string): string {
  const p = `blocks.${b.stage}.${b.index}`;
  // TRAP: timm's `conv_pw` means two different convs. In the depthwise-separable blocks of stage 0
  // (no expansion) conv_pw is the PROJECT conv and bn2 its BN; in every other block conv_pw is the
  // EXPAND conv (bn1), the depthwise BN is bn2 and the projection is conv_pwl / bn3.
  const convs: Record<string, [string, string]> = b.hasExpand
    ? { expand: ['conv_pw', 'bn1'], dw: ['conv_dw', 'bn2'], project: ['conv_pwl', 'bn3'] }
    : { dw: ['conv_dw', 'bn1'], project: ['conv_pw', 'bn2'] };
  let m: RegExpExecArray | null;
  if ((m = /^(expand|dw|project)\.(conv|bn)\.(\w+)$/.exec(rest)) && convs[m[1]!]) {
    const [conv, bn] = convs[m[1]!]!;
    return `${p}.${m[2] === 'conv' ? conv : bn}.${m[3]}`;
  }
  if ((m = /^se\.(reduce|expand)\.(weight|bias)$/.exec(rest))) {
    return `${p}.se.${m[1] === 'reduce' ? 'conv_reduce' : 'conv_expand'}.${m[2]}`;
  }
  throw new EfficientNetError('ERR_INTERNAL', `no timm name for block tensor ${rest}`);
}

/**
 * Canonical name -> source name for every tensor of the arch (params and BN buffers).
 *
 * @param arch - the spec
 * @param format - 'torchvision' or 'timm'
 * @returns the map, in expectedParams order
 * @throws RangeError for an unknown format
 */
export function keyMap(arch: ArchSpec, format: WeightFormat): Map<string, string> {
  if (!WEIGHT_FORMATS.includes(format)) {
    throw new RangeError(`Expected 'torchvision' or 'timm' for format but received ${String(format)}`);
  }
  const blocks = new Map(expandBlocks(arch).map((b) => [b.name, b]));
  const headIndex = 1 + arch.stages.length;
  const out = new Map<string, string>();
  for (const p of expectedParams(arch)) {
    const n = p.name;
    let src: string;
    let m: RegExpExecArray | null;
    if ((m = BLOCK.exec(n))) {
      const b = blocks.get(`blocks.${m[1]}.${m[2]}`)!;
      src = format === 'torchvision' ? tvBlock(b, m[3]!) : timmBlock(b, m[3]!);
    } else if ((m = /^(stem|head)\.(conv|bn)\.(\w+)$/.exec(n))) {
      if (format === 'torchvision') {
        src = `features.${m[1] === 'stem' ? 0 : headIndex}.${m[2] === 'conv' ? 0 : 1}.${m[3]}`;
      } else {
        const conv = m[1] === 'stem' ? 'conv_stem' : 'conv_head';
        const bn = m[1] === 'stem' ? 'bn1' : 'bn2';
        src = `${m[2] === 'conv' ? conv : bn}.${m[3]}`;
      }
    } else if ((m = /^classifier\.(weight|bias)$/.exec(n))) {
      src = format === 'torchvision' ? `classifier.1.${m[1]}` : `classifier.${m[1]}`;
    } else {
      throw new EfficientNetError('ERR_INTERNAL', `no source name for ${n}`);
    }
    out.set(n, src);
  }
  return out;
}

/**
 * Guess the naming scheme of a state dict from its keys.
 *
 * @param keys - the tensor names
 * @returns 'torchvision' when `features.0.0.weight` is present, 'timm' when `conv_stem.weight` is
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT when neither (or both) is present, with a hint
 *   when the keys carry a wrapper prefix such as `module.` or `model.`
 */
export function detectFormat(keys: Iterable<string>): WeightFormat {
  const all = [...keys];
  const set = new Set(all);
  const tv = set.has('features.0.0.weight');
  const timm = set.has('conv_stem.weight');
  if (tv && !timm) return 'torchvision';
  if (timm && !tv) return 'timm';
  const prefixed = all.find((k) => /\.(features\.0\.0|conv_stem)\.weight$/.test(k));
  const hint = prefixed
    ? ` The keys carry a prefix ('${prefixed.replace(/(features\.0\.0|conv_stem)\.weight$/, '')}'): strip it first.`
    : '';
  const sample = all.slice(0, 3).join(', ') || 'none';
  throw new EfficientNetError(
    'ERR_WEIGHTS_FORMAT',
    `cannot tell the weight naming: expected torchvision ('features.0.0.weight') or timm ('conv_stem.weight') keys, found ${all.length} keys (${sample}${all.length > 3 ? ', ...' : ''}).${hint}`,
  );
}
