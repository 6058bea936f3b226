/**
 * The B0 base stages as block strings (timm's notation) and their strict decoder.
 *
 * Grammar: `<type>_<token>_<token>...` with type `ds` (depthwise-separable: no expansion conv) or
 * `ir` (inverted residual: expansion conv), and tokens
 * `r<repeats>`, `k<kernel>`, `s<stride>` (also TF's `s22`/`s11`), `e<expand>`, `c<out channels>`,
 * `se<ratio>`. Unlike timm, which silently skips what it does not know, every unknown, malformed,
 * duplicated or missing token is an error: a typo must not build a different network.
 */

import { invalidParameterError } from '../errors';

/** One decoded stage of the base (B0) network, before width/depth scaling. */
export interface StageDef {
  /** `ds` = no expansion conv (expand must be 1), `ir` = expansion conv (expand > 1). */
  type: 'ds' | 'ir';
  repeats: number;
  kernel: number;
  stride: number;
  expand: number;
  /** Output channels before width scaling. */
  channels: number;
  /** Squeeze-excitation ratio relative to the block INPUT channels. */
  seRatio: number;
}

/** B0's seven stages, as in timm's `_gen_efficientnet` (the input channels chain from the stem). */
export const BASE_BLOCK_STRINGS: readonly string[] = [
  'ds_r1_k3_s1_e1_c16_se0.25',
  'ir_r2_k3_s2_e6_c24_se0.25',
  'ir_r2_k5_s2_e6_c40_se0.25',
  'ir_r3_k3_s2_e6_c80_se0.25',
  'ir_r3_k5_s1_e6_c112_se0.25',
  'ir_r4_k5_s2_e6_c192_se0.25',
  'ir_r1_k3_s1_e6_c320_se0.25',
];

const INT = /^[0-9]+$/;
const DECIMAL = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$/;

function bad(str: string, what: string, actual: string): RangeError {
  return invalidParameterError(`block string '${str}'`, what, actual, 'range') as RangeError;
}

/**
 * Decode one block string strictly.
 *
 * @param str - e.g. `ir_r2_k3_s2_e6_c24_se0.25`
 * @returns the decoded stage
 * @throws TypeError when `str` is not a string;
 *   RangeError naming the offending token when a token is unknown, malformed, duplicated,
 *   out of range or missing (r, k, s, c and se are required; e is required for `ir`)
 */
export function decodeBlockString(str: string): StageDef {
  if (typeof str !== 'string') throw invalidParameterError('block string', 'a string', str, 'type');
  const parts = str.split('_');
  const type = parts[0];
  if (type !== 'ds' && type !== 'ir') {
    throw bad(str, "a block type 'ds' or 'ir' as the first token", type ?? '');
  }
  const seen = new Map<string, string>();
  for (const tok of parts.slice(1)) {
    // `se` must be tested before `s`, since both start with "s".
    const m = /^(se|r|k|s|e|c)(.*)$/.exec(tok);
    if (!m) throw bad(str, 'a token r<n>, k<n>, s<n>, e<n>, c<n> or se<ratio>', tok);
    const key = m[1]!;
    const val = m[2]!;
    if (seen.has(key)) throw bad(str, `a single '${key}' token`, `'${tok}' after '${key}${seen.get(key)}'`);
    const numeric = key === 'se' ? DECIMAL : INT;
    if (!numeric.test(val)) throw bad(str, `a number after '${key}'`, `token '${tok}'`);
    seen.set(key, val);
  }
  for (const key of ['r', 'k', 's', 'c', 'se']) {
    if (!seen.has(key)) throw bad(str, `a '${key}' token`, 'none');
  }
  if (type === 'ir' && !seen.has('e')) throw bad(str, "an 'e' token (expand ratio) in an 'ir' block", 'none');

  const repeats = Number(seen.get('r'));
  const kernel = Number(seen.get('k'));
  let strideText = seen.get('s')!;
  // TF writes the stride per axis ("s22", "s11"); only square strides exist in EfficientNet.
  if (strideText.length === 2 && strideText[0] === strideText[1]) strideText = strideText[0]!;
  const stride = Number(strideText);
  const expand = seen.has('e') ? Number(seen.get('e')) : 1;
  const channels = Number(seen.get('c'));
  const seRatio = Number(seen.get('se'));

  if (repeats < 1 || repeats > 64) throw bad(str, 'a repeat count r between 1 and 64', `r${repeats}`);
  if (kernel < 1 || kernel > 15 || kernel % 2 === 0) throw bad(str, 'an odd kernel size k between 1 and 15', `k${kernel}`);
  if (stride !== 1 && stride !== 2) throw bad(str, 'a stride s of 1 or 2', `s${seen.get('s')}`);
  if (channels < 1 || channels > 65536) throw bad(str, 'an output channel count c between 1 and 65536', `c${channels}`);
  if (!(seRatio > 0 && seRatio <= 1)) throw bad(str, 'an SE ratio se in (0, 1]', `se${seen.get('se')}`);
  // Integer expansion keeps mid = in * expand exact (torchvision/timm round it to a multiple of 8,
  // which is the identity for integer ratios on our multiple-of-8 channel counts).
  if (type === 'ds' && expand !== 1) throw bad(str, "expand e1 (or no e token) in a 'ds' block", `e${expand}`);
  // An 'ir' block with e1 would be ambiguous for the key maps (timm keeps a conv_pw, torchvision
  // drops the expand conv), so it is rejected: write it as 'ds'.
  if (type === 'ir' && (expand < 2 || expand > 64)) throw bad(str, "an expand ratio e between 2 and 64 in an 'ir' block (use 'ds' for e1)", `e${expand}`);
  return { type, repeats, kernel, stride, expand, channels, seRatio };
}

/**
 * Encode a stage back to its block string (inverse of {@link decodeBlockString}).
 *
 * @param def - a decoded stage
 * @returns the canonical string, e.g. `ir_r2_k3_s2_e6_c24_se0.25`
 * @throws never
 */
export function encodeBlockString(def: StageDef): string {
  return `${def.type}_r${def.repeats}_k${def.kernel}_s${def.stride}_e${def.expand}_c${def.channels}_se${def.seRatio}`;
}
