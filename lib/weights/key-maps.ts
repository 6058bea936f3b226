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
 * lukemelas (EfficientNet-PyTorch): `_conv_stem`, `_bn0`, blocks numbered flat across stages
 *   `_blocks.{n}` with `_expand_conv`/`_bn0` (absent without expansion), `_depthwise_conv`/`_bn1`,
 *   `_se_reduce`/`_se_expand`, `_project_conv`/`_bn2`; head `_conv_head`, `_bn1`; classifier `_fc`.
 */

import { EfficientNetError } from '../errors';
import { expectedParams } from '../arch/params';
import { expandBlocks, type ArchSpec, type BlockSpec } from '../arch/spec';

/** A key naming scheme of a weight file. */
export type WeightFormat = 'torchvision' | 'timm' | 'lukemelas';

/** The formats {@link resolveParams} accepts ('auto' = {@link detectFormat}). */
export const WEIGHT_FORMATS: readonly WeightFormat[] = ['torchvision', 'timm', 'lukemelas'];

/** Per format: the key whose presence identifies it, the stem conv and the classifier weight. */
export const FORMAT_KEYS: Readonly<Record<WeightFormat, { stem: string; classifier: string }>> = {
  torchvision: { stem: 'features.0.0.weight', classifier: 'classifier.1.weight' },
  timm: { stem: 'conv_stem.weight', classifier: 'classifier.weight' },
  lukemelas: { stem: '_conv_stem.weight', classifier: '_fc.weight' },
};

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

function lukemelasBlock(b: BlockSpec, flat: number, rest: string): string {
  const p = `_blocks.${flat}`;
  const convs: Record<string, [string, string]> = {
    expand: ['_expand_conv', '_bn0'],
    dw: ['_depthwise_conv', '_bn1'],
    project: ['_project_conv', '_bn2'],
  };
  let m: RegExpExecArray | null;
  if ((m = /^(expand|dw|project)\.(conv|bn)\.(\w+)$/.exec(rest)) && (m[1] !== 'expand' || b.hasExpand)) {
    const [conv, bn] = convs[m[1]!]!;
    return `${p}.${m[2] === 'conv' ? conv : bn}.${m[3]}`;
  }
  if ((m = /^se\.(reduce|expand)\.(weight|bias)$/.exec(rest))) return `${p}._se_${m[1]}.${m[2]}`;
  throw new EfficientNetError('ERR_INTERNAL', `no lukemelas name for block tensor ${rest}`);
}

const STEM_HEAD: Record<WeightFormat, (part: 'stem' | 'head', layer: 'conv' | 'bn', headIndex: number) => string> = {
  torchvision: (part, layer, headIndex) => `features.${part === 'stem' ? 0 : headIndex}.${layer === 'conv' ? 0 : 1}`,
  timm: (part, layer) => (layer === 'conv' ? `conv_${part}` : part === 'stem' ? 'bn1' : 'bn2'),
  lukemelas: (part, layer) => (layer === 'conv' ? `_conv_${part}` : part === 'stem' ? '_bn0' : '_bn1'),
};

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
    throw new RangeError(`Expected 'torchvision', 'timm' or 'lukemelas' for format but received ${String(format)}`);
  }
  const list = expandBlocks(arch);
  const blocks = new Map(list.map((b) => [b.name, b]));
  const flat = new Map(list.map((b, i) => [b.name, i]));
  const headIndex = 1 + arch.stages.length;
  const out = new Map<string, string>();
  for (const p of expectedParams(arch)) {
    const n = p.name;
    let src: string;
    let m: RegExpExecArray | null;
    if ((m = BLOCK.exec(n))) {
      const name = `blocks.${m[1]}.${m[2]}`;
      const b = blocks.get(name)!;
      src = format === 'torchvision' ? tvBlock(b, m[3]!) : format === 'timm' ? timmBlock(b, m[3]!) : lukemelasBlock(b, flat.get(name)!, m[3]!);
    } else if ((m = /^(stem|head)\.(conv|bn)\.(\w+)$/.exec(n))) {
      src = `${STEM_HEAD[format](m[1] as 'stem' | 'head', m[2] as 'conv' | 'bn', headIndex)}.${m[3]}`;
    } else if ((m = /^classifier\.(weight|bias)$/.exec(n))) {
      src = `${FORMAT_KEYS[format].classifier.replace(/weight$/, '')}${m[1]}`;
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
 * @returns the format whose stem key ({@link FORMAT_KEYS}: `features.0.0.weight`,
 *   `conv_stem.weight`, `_conv_stem.weight`) is present
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT when none or several are present, naming the keys
 *   that decided it, with a hint when the keys carry a wrapper prefix such as `module.` or `model.`
 */
export function detectFormat(keys: Iterable<string>): WeightFormat {
  const all = [...keys];
  const set = new Set(all);
  const found = WEIGHT_FORMATS.filter((f) => set.has(FORMAT_KEYS[f].stem));
  if (found.length === 1) return found[0]!;
  const expected = WEIGHT_FORMATS.map((f) => `${f} ('${FORMAT_KEYS[f].stem}')`).join(', ');
  if (found.length > 1) {
    throw new EfficientNetError(
      'ERR_WEIGHTS_FORMAT',
      `cannot tell the weight naming: the keys ${found.map((f) => `'${FORMAT_KEYS[f].stem}'`).join(' and ')} are both present (expected exactly one of ${expected}); pass format explicitly`,
    );
  }
  const stems = /(features\.0\.0|_?conv_stem)\.weight$/;
  const prefixed = all.find((k) => stems.test(k));
  const hint = prefixed ? ` The keys carry a prefix ('${prefixed.replace(stems, '')}'): strip it first.` : '';
  const sample = all.slice(0, 3).join(', ') || 'none';
  throw new EfficientNetError(
    'ERR_WEIGHTS_FORMAT',
    `cannot tell the weight naming: expected one of ${expected}, found ${all.length} keys (${sample}${all.length > 3 ? ', ...' : ''}).${hint}`,
  );
}
