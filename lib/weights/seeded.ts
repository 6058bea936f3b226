/**
 * Deterministic weights from a seed, in source naming, shaped like a real torch state dict
 * (num_batches_tracked included). Parity tests regenerate them instead of committing weight files.
 */

import { checkNumber, invalidParameterError } from '../errors';
import { expectedParams, numel } from '../arch/params';
import type { ArchSpec } from '../arch/spec';
import { keyMap, WEIGHT_FORMATS, type WeightFormat } from './key-maps';
import type { TensorData } from './safetensors';
import { fillUniform, streamSeed } from '../random';

/** Uniform with a given standard deviation around zero: U(-sqrt(3)*std, sqrt(3)*std). */
function fillStd(out: Float32Array, seed: number, std: number): void {
  const a = Math.sqrt(3) * std;
  fillUniform(out, seed, -a, a);
}

/** Second moment of swish(x) for x ~ N(0, 1): E[swish(x)^2] ~ 0.356 (so the He-style gain is 1/0.356). */
const SWISH_GAIN = 2.8;
/** Classifier weight std times sqrt(head): sets the logit scale. */
const CLASSIFIER_GAIN = 1;
/** Head conv gain (its input is the residual stream). */
const HEAD_GAIN = 2;
/** Projection gain of a stage's first block, in units of SWISH_GAIN. */
const FIRST_PROJECT_GAIN = 1.4;
/** Variance a whole stage's residual branches add, in units of SWISH_GAIN, split over its blocks. */
const RESIDUAL_STAGE_GAIN = 1;

/**
 * The init, per canonical tensor. Aim: activations of std ~1 all the way down, so the logits
 * depend on the input. Random convs with naive BN stats (running_var ~1 whatever the real variance)
 * and plain He init make every swish work near 0, where swish(x) ~ x/2: the input-dependent part of
 * the signal then halves at each swish and gate and is gone by stage 4, leaving logits made of BN
 * biases only (measured with the first, naive version: std of a logit across inputs / std across
 * classes = 0.000 for b0 and b3, one top-1 class for every input).
 * So each conv gets std = sqrt(gain / fan_in) (fan_in = in/groups * k * k) with the gain set by
 * the second moment of its input:
 * - stem (input an image, variance ~1-2) and expand (input the residual stream): gain 1;
 *   head: HEAD_GAIN;
 * - depthwise (input a swish output): gain SWISH_GAIN;
 * - project (input a swish output times an SE gate of ~0.7): FIRST_PROJECT_GAIN * SWISH_GAIN for a
 *   stage's first block, RESIDUAL_STAGE_GAIN * SWISH_GAIN / (repeats - 1) for the residual ones;
 * - SE reduce (input the spatial mean of a swish output, ~0.2-0.4): std sqrt(8 / fan_in),
 *   SE expand std sqrt(SWISH_GAIN / fan_in), reduce bias U[-0.2, 0.2], expand bias U[0.5, 1.5] so
 *   gates vary around 0.7;
 * - BN: gamma U[0.5, 1.5], beta U[-0.1, 0.1], running_mean U[-0.1, 0.1], running_var U[0.5, 2];
 * - classifier: std CLASSIFIER_GAIN / sqrt(head) with zero-sum rows, bias U[-0.1, 0.1].
 *
 * Measured logit statistics per variant (why parity tests prefer smooth or image-like inputs):
 * bench/RESULTS.md, "Seeded init: logit statistics".
 */
function init(name: string, shape: number[], out: Float32Array, seed: number, repeats: number): void {
  const s = streamSeed(seed, name);
  let m: RegExpExecArray | null;
  if ((m = /(?:^|\.)(\d+\.)?(stem|expand|dw|project|head)\.conv\.weight$/.exec(name))) {
    const fanIn = shape[1]! * shape[2]! * shape[3]!;
    let gain = m[2] === 'dw' ? SWISH_GAIN : m[2] === 'head' ? HEAD_GAIN : 1;
    if (m[2] === 'project') {
      // m[1] is "j." of blocks.s.j. Block 0 of a stage has no residual, so its projection alone
      // carries the signal. Later blocks ADD to the residual stream, and nothing renormalises it
      // (running_var is random, not measured): with a fixed gain the stream grows geometrically
      // with depth (b3 reached std ~50, b7 worse). Dividing the branch gain by the stage's number
      // of residual blocks keeps the growth over a whole stage bounded for every depth.
      gain = m[1] === '0.' ? FIRST_PROJECT_GAIN : RESIDUAL_STAGE_GAIN / Math.max(1, repeats - 1);
      gain *= SWISH_GAIN;
    }
    fillStd(out, s, Math.sqrt(gain / fanIn));
  } else if (/\.bn\.weight$/.test(name)) fillUniform(out, s, 0.5, 1.5);
  else if (/\.bn\.bias$/.test(name)) fillUniform(out, s, -0.1, 0.1);
  else if (/\.bn\.running_mean$/.test(name)) fillUniform(out, s, -0.1, 0.1);
  else if (/\.bn\.running_var$/.test(name)) fillUniform(out, s, 0.5, 2);
  else if (/\.se\.reduce\.weight$/.test(name)) fillStd(out, s, Math.sqrt(8 / shape[1]!));
  else if (/\.se\.expand\.weight$/.test(name)) fillStd(out, s, Math.sqrt(SWISH_GAIN / shape[1]!));
  else if (/\.se\.reduce\.bias$/.test(name)) fillUniform(out, s, -0.2, 0.2);
  else if (/\.se\.expand\.bias$/.test(name)) fillUniform(out, s, 0.5, 1.5);
  else if (name === 'classifier.weight') {
    fillStd(out, s, CLASSIFIER_GAIN / Math.sqrt(shape[1]!));
    // Zero-sum rows: the pooled features share a large input-independent mean (swish outputs
    // average ~0.5), which would otherwise add a per-class constant that swamps the input part.
    const cols = shape[1]!;
    for (let r = 0; r < shape[0]!; r++) {
      const row = out.subarray(r * cols, (r + 1) * cols);
      let sum = 0;
      for (let i = 0; i < cols; i++) sum += row[i]!;
      const mean = sum / cols;
      for (let i = 0; i < cols; i++) row[i]! -= mean;
    }
  }
  else if (name === 'classifier.bias') fillUniform(out, s, -0.1, 0.1);
  else throw new Error(`seeded init: no rule for ${name}`);
}

/**
 * A deterministic state dict for `arch`: same seed, same values, in either naming (values depend
 * on the canonical name only, so a timm dict equals the torchvision one renamed).
 *
 * @param arch - the spec
 * @param seed - an integer 0..2^32-1
 * @param format - key naming, default 'torchvision'
 * @returns source name -> tensor (F32), with an I64 `num_batches_tracked` scalar after each BN
 * @throws TypeError/RangeError for a bad seed or format
 */
export function seededStateDict(arch: ArchSpec, seed: number, format: WeightFormat = 'torchvision'): Map<string, TensorData> {
  checkNumber('seed', seed, 0, 0xffffffff, true);
  if (!WEIGHT_FORMATS.includes(format)) throw invalidParameterError('format', "'torchvision', 'timm' or 'lukemelas'", format);
  const map = keyMap(arch, format);
  const out = new Map<string, TensorData>();
  for (const p of expectedParams(arch)) {
    const data = new Float32Array(numel(p.shape));
    const stage = /^blocks\.(\d+)\./.exec(p.name);
    init(p.name, p.shape, data, seed, stage ? arch.stages[Number(stage[1])]!.repeats : 1);
    const key = map.get(p.name)!;
    out.set(key, { dtype: 'F32', shape: p.shape.slice(), data });
    if (p.name.endsWith('.bn.running_var')) {
      const counter = key.replace(/running_var$/, 'num_batches_tracked');
      out.set(counter, { dtype: 'I64', shape: [], data: new BigInt64Array([BigInt(seed % 1000)]) });
    }
  }
  return out;
}
