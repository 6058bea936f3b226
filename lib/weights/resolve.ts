/**
 * Source state dict -> canonical params, with the checks that turn a wrong file into an error a
 * user can act on: another variant, a missing key, an unexpected key, a wrong shape.
 */

import { EfficientNetError } from '../errors';
import { expectedParams } from '../arch/params';
import { archForVariant, type ArchSpec } from '../arch/spec';
import { VARIANT_NAMES, type VariantName } from '../arch/variants';
import { detectFormat, FORMAT_KEYS, keyMap, WEIGHT_FORMATS, type WeightFormat } from './key-maps';
import type { TensorData } from './safetensors';

/** BN step counters in torch state dicts: int64 scalars, meaningless at inference. */
const IGNORED = /(^|\.)num_batches_tracked$/;

const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;
const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

// Which key made the naming what it is, so a wrong guess can be seen (and overridden with format).
function decidedBy(tensors: ReadonlyMap<string, TensorData>, format: WeightFormat): string {
  const stem = FORMAT_KEYS[format].stem;
  return tensors.has(stem) ? `, recognised by its key '${stem}'` : '';
}

/** The variant-defining facts of a file: stem width and blocks per stage. */
interface Signature {
  stem: number | undefined;
  repeats: number[];
}

function signatureOf(tensors: ReadonlyMap<string, TensorData>, format: WeightFormat): Signature {
  const stem = tensors.get(FORMAT_KEYS[format].stem)?.shape[0];
  if (format === 'lukemelas') return { stem, repeats: lukemelasRepeats(tensors) };
  const block = format === 'torchvision' ? /^features\.(\d+)\.(\d+)\.block\./ : /^blocks\.(\d+)\.(\d+)\./;
  const base = format === 'torchvision' ? 1 : 0;
  const seen = new Set<string>();
  const repeats: number[] = [];
  for (const k of tensors.keys()) {
    const m = block.exec(k);
    if (!m) continue;
    const s = Number(m[1]) - base;
    if (s < 0 || s > 63 || seen.has(`${s}.${m[2]}`)) continue;
    seen.add(`${s}.${m[2]}`);
    while (repeats.length <= s) repeats.push(0);
    repeats[s]!++;
  }
  return { stem, repeats };
}

// lukemelas numbers blocks flat, so only their count is certain. The per-stage split shown in
// messages is a best guess: a stage starts where the output width changes.
function lukemelasRepeats(tensors: ReadonlyMap<string, TensorData>): number[] {
  const repeats: number[] = [];
  let prev: number | undefined;
  for (let n = 0; n < 4096; n++) {
    const out = tensors.get(`_blocks.${n}._project_conv.weight`)?.shape[0];
    if (out === undefined) break;
    if (out !== prev) repeats.push(0);
    repeats[repeats.length - 1]!++;
    prev = out;
  }
  return repeats;
}

const total = (r: readonly number[]): number => r.reduce((a, b) => a + b, 0);

function sameSignature(file: Signature, arch: Signature, format: WeightFormat): boolean {
  if (file.stem !== arch.stem) return false;
  return format === 'lukemelas' ? total(file.repeats) === total(arch.repeats) : sameShape(file.repeats, arch.repeats);
}

function archSignature(arch: ArchSpec): Signature {
  return { stem: arch.stem, repeats: arch.stages.map((s) => s.repeats) };
}

/** Which table variant the file's tensors match exactly (all keys and shapes), if any. */
function guessVariant(tensors: ReadonlyMap<string, TensorData>, format: WeightFormat, sig: Signature, numClasses: number): VariantName | undefined {
  for (const v of VARIANT_NAMES) {
    const a = archForVariant(v, { numClasses });
    const s = archSignature(a);
    if (!sameSignature(sig, s, format)) continue;
    const map = keyMap(a, format);
    const all = expectedParams(a).every((p) => {
      const t = tensors.get(map.get(p.name)!);
      return t !== undefined && sameShape(t.shape, p.shape);
    });
    if (all) return v;
  }
  return undefined;
}

/**
 * The variant (B0…B7) a state dict is, from its stem width, block counts and every shape; undefined
 * when it is none of them (a custom scaling, or not an EfficientNet).
 *
 * @param tensors - name -> tensor
 * @param format - the key naming ('auto' detects it)
 * @param numClasses - the classifier width to assume (default: read from the file, else 1000)
 * @returns the variant, or undefined
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT when the naming cannot be detected
 */
export function identifyVariant(
  tensors: ReadonlyMap<string, TensorData>,
  format: WeightFormat | 'auto' = 'auto',
  numClasses?: number,
): VariantName | undefined {
  const fmt = format === 'auto' ? detectFormat(tensors.keys()) : format;
  const sig = signatureOf(tensors, fmt);
  if (sig.stem === undefined) return undefined;
  return guessVariant(tensors, fmt, sig, numClasses ?? numClassesOf(tensors, fmt) ?? 1000);
}

/**
 * Map a state dict onto the arch's canonical names, checking every key and shape.
 *
 * @param arch - the spec the weights must fit
 * @param tensors - name -> tensor, e.g. from parseSafetensors
 * @param format - 'torchvision', 'timm', 'lukemelas' or 'auto' (detectFormat)
 * @returns canonical name -> float32 values (params and BN running stats; the arrays of
 *   `tensors`, not copies)
 * @throws EfficientNetError ERR_WEIGHTS_FORMAT when the naming cannot be detected or a tensor the
 *   network needs is not a float tensor; ERR_WEIGHTS_VARIANT when the stem width or the block
 *   count says the file is another variant (naming the one it looks like); ERR_WEIGHTS_MISSING
 *   naming the first missing source key and how many more are missing; ERR_WEIGHTS_UNEXPECTED
 *   naming the first unexpected key; ERR_WEIGHTS_SHAPE naming the key, expected and actual shape.
 *   `*.num_batches_tracked` keys are ignored.
 */
export function resolveParams(
  arch: ArchSpec,
  tensors: ReadonlyMap<string, TensorData>,
  format: WeightFormat | 'auto' = 'auto',
): Map<string, Float32Array> {
  if (format !== 'auto' && !WEIGHT_FORMATS.includes(format)) {
    throw new RangeError(`Expected 'auto', 'torchvision', 'timm' or 'lukemelas' for format but received ${String(format)}`);
  }
  const fmt = format === 'auto' ? detectFormat(tensors.keys()) : format;

  const sig = signatureOf(tensors, fmt);
  const want = archSignature(arch);
  if (sig.stem !== undefined && !sameSignature(sig, want, fmt)) {
    const numClasses = numClassesOf(tensors, fmt) ?? arch.numClasses;
    const guess = guessVariant(tensors, fmt, sig, numClasses);
    const facts = `stem ${sig.stem}, ${sig.repeats.reduce((a, b) => a + b, 0)} blocks (${sig.repeats.join(',')} per stage)`;
    const wanted = `stem ${want.stem}, ${want.repeats.reduce((a, b) => a + b, 0)} blocks (${want.repeats.join(',')})`;
    const requested = arch.variant === 'custom' ? arch.name : `variant ${arch.variant}`;
    const guessName = guess && archForVariant(guess).name;
    throw new EfficientNetError(
      'ERR_WEIGHTS_VARIANT',
      guess
        ? `weights look like ${guessName} but ${requested} was requested in options.variant (file: ${facts}; expected ${wanted}); ` +
          `ask for ${guess}, or leave the variant out to take the one the weights are`
        : `weights do not fit ${requested}: the file has ${facts}, expected ${wanted}; it matches no known variant`,
    );
  }

  const map = keyMap(arch, fmt);
  const specs = expectedParams(arch);
  const missing = specs.filter((p) => !tensors.has(map.get(p.name)!));
  if (missing.length > 0) {
    const first = missing[0]!;
    const more = missing.length > 1 ? ` and ${missing.length - 1} more` : '';
    throw new EfficientNetError(
      'ERR_WEIGHTS_MISSING',
      `weights (${fmt} naming${decidedBy(tensors, fmt)}) are missing ${map.get(first.name)} ${fmtShape(first.shape)}${more}, needed by ${arch.name}`,
    );
  }
  const known = new Set(map.values());
  const unexpected = [...tensors.keys()].filter((k) => !known.has(k) && !IGNORED.test(k));
  if (unexpected.length > 0) {
    const more = unexpected.length > 1 ? ` and ${unexpected.length - 1} more (${unexpected.slice(1, 4).join(', ')}${unexpected.length > 4 ? ', ...' : ''})` : '';
    throw new EfficientNetError(
      'ERR_WEIGHTS_UNEXPECTED',
      `weights hold tensor ${unexpected[0]} ${fmtShape(tensors.get(unexpected[0]!)!.shape)}${more}, which ${arch.name} (${fmt} naming${decidedBy(tensors, fmt)}) does not use`,
    );
  }
  const out = new Map<string, Float32Array>();
  for (const p of specs) {
    const key = map.get(p.name)!;
    const t = tensors.get(key)!;
    if (!sameShape(t.shape, p.shape)) {
      throw new EfficientNetError(
        'ERR_WEIGHTS_SHAPE',
        `tensor ${key} has shape ${fmtShape(t.shape)} but ${arch.name} expects ${fmtShape(p.shape)}`,
      );
    }
    if (!(t.data instanceof Float32Array)) {
      throw new EfficientNetError('ERR_WEIGHTS_FORMAT', `tensor ${key} has dtype ${t.dtype}; expected a float tensor (F32, F16 or BF16)`);
    }
    out.set(p.name, t.data);
  }
  return out;
}

/**
 * The classifier width stored in a state dict (so a 10-class fine-tune loads without telling
 * numClasses).
 *
 * @param tensors - name -> tensor
 * @param format - the key naming
 * @returns the first dimension of the classifier weight, or undefined when absent or not 2-D
 * @throws never
 */
export function numClassesOf(tensors: ReadonlyMap<string, TensorData>, format: WeightFormat): number | undefined {
  const t = tensors.get(FORMAT_KEYS[format].classifier);
  if (!t || t.shape.length !== 2 || !(t.shape[0]! >= 1)) return undefined;
  return t.shape[0];
}
