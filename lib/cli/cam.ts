/**
 * `efficientnet cam`: the class activation map of one image as a PNG overlay (turbo colours over
 * the preprocessed image), for the most probable class, the top K, or a chosen class.
 */
import path from 'node:path';
import { loadSharp } from '../image/decode';
import { numberOption, UsageError, writeOutput } from './io';
import { parseCommandArgs } from './parse';
import { countOption, IMAGE_FLAGS, IMAGE_FLAGS_HELP, loadModel, MODEL_FLAGS, MODEL_FLAGS_HELP, imageOptions } from './model-flags';

export const camHelp = `Usage: efficientnet cam IMAGE [--weights FILE|ID | --random] --out FILE.png [options]

Writes the class activation map (Zhou et al. 2016) of IMAGE blended over the preprocessed image in
the format FILE's extension names (.png, .jpg/.jpeg or .webp), and prints
CLASS<TAB>LABEL<TAB>PROBABILITY<TAB>FILE per class. With --top K > 1, one file per class:
FILE-<class>.png (or .jpg, .webp).

Options:
${MODEL_FLAGS_HELP}
${IMAGE_FLAGS_HELP}
  --class N          explain class N (default: the most probable)
  --top K            explain the K most probable classes
  --alpha A          weight of the colour map in the blend, 0..1 (default 0.5)
  --out FILE         where to write the image (.png, .jpg, .jpeg or .webp)
  -h, --help         this text`;

export async function camCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...MODEL_FLAGS,
    ...IMAGE_FLAGS,
    class: { type: 'string' },
    top: { type: 'string' },
    alpha: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  }, true);
  if (values.help) {
    process.stdout.write(camHelp + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`cam takes one image, got ${positionals.length}`);
  if (values.out === undefined) throw new UsageError('--out is required');
  const encode = encoderFor(values.out);
  if (values.class !== undefined && values.top !== undefined) throw new UsageError('give --class or --top, not both');
  const classIndex = numberOption(values.class, 'class');
  if (classIndex !== undefined && !(Number.isInteger(classIndex) && classIndex >= 0)) {
    throw new UsageError(`--class expects a class index (an integer >= 0), got "${values.class}"`);
  }
  const topK = countOption(values.top, 'top', 1);
  const alpha = numberOption(values.alpha, 'alpha');
  const imageOpts = imageOptions(values);
  const model = await loadModel(values);
  try {
    if (model.random) process.stderr.write('efficientnet: note: --random weights: the map explains a random network\n');
    if (classIndex !== undefined && classIndex >= model.numClasses) {
      throw new UsageError(`--class must be below ${model.numClasses}, got ${classIndex}`);
    }
    const results = await model.cam(positionals[0], {
      ...(classIndex === undefined ? { topK } : { classIndex }),
      ...(alpha === undefined ? {} : { alpha }),
      preprocess: imageOpts,
    });
    const out = values.out;
    const ext = path.extname(out);
    for (const r of results) {
      const file = results.length === 1 ? out : `${out.slice(0, out.length - ext.length)}-${r.classIndex}${ext}`;
      await writeOutput(file, await encode(r.png));
      process.stdout.write([r.classIndex, r.label, r.probability.toFixed(6), file].join('\t') + '\n');
    }
  } finally {
    model.dispose();
  }
  return 0;
}

// The overlay comes as PNG bytes; other formats are re-encoded by sharp. Known before any work, so a
// wrong extension costs nothing.
function encoderFor(out: string): (png: Uint8Array) => Promise<Uint8Array> {
  const ext = path.extname(out).toLowerCase();
  if (ext === '.png') return async (png) => png;
  if (ext === '.jpg' || ext === '.jpeg') return (png) => loadSharp()(png).jpeg({ quality: 90 }).toBuffer();
  if (ext === '.webp') return (png) => loadSharp()(png).webp({ quality: 90 }).toBuffer();
  throw new UsageError(`--out ${out}: the extension must be .png, .jpg, .jpeg or .webp, got "${ext || 'none'}"`);
}
