/**
 * `efficientnet cam`: the class activation map of one image as a PNG overlay (turbo colours over
 * the preprocessed image), for the most probable class, the top K, or a chosen class.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption, UsageError } from './io';
import { countOption, IMAGE_FLAGS, IMAGE_FLAGS_HELP, loadModel, MODEL_FLAGS, MODEL_FLAGS_HELP, resizeOption } from './model-flags';

export const camHelp = `Usage: efficientnet cam IMAGE [--weights FILE|ID | --random] --out FILE.png [options]

Writes the class activation map (Zhou et al. 2016) of IMAGE blended over the preprocessed image as
PNG, and prints CLASS<TAB>LABEL<TAB>PROBABILITY<TAB>PNG per class. With --top K > 1, one PNG per
class: FILE-<class>.png.

Options:
${MODEL_FLAGS_HELP}
${IMAGE_FLAGS_HELP}
  --class N          explain class N (default: the most probable)
  --top K            explain the K most probable classes
  --alpha A          weight of the colour map in the blend, 0..1 (default 0.5)
  --out FILE         where to write the PNG
  -h, --help         this text`;

export async function camCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      ...MODEL_FLAGS,
      ...IMAGE_FLAGS,
      class: { type: 'string' },
      top: { type: 'string' },
      alpha: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(camHelp + '\n');
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`cam takes one image, got ${positionals.length}`);
  if (values.out === undefined) throw new UsageError('--out is required');
  if (values.class !== undefined && values.top !== undefined) throw new UsageError('give --class or --top, not both');
  const classIndex = numberOption(values.class, 'class');
  if (classIndex !== undefined && !(Number.isInteger(classIndex) && classIndex >= 0)) {
    throw new UsageError(`--class expects a class index (an integer >= 0), got "${values.class}"`);
  }
  const topK = countOption(values.top, 'top', 1);
  const alpha = numberOption(values.alpha, 'alpha');
  const resize = resizeOption(values.resize);
  const model = await loadModel(values);
  try {
    if (model.random) process.stderr.write('efficientnet: note: --random weights: the map explains a random network\n');
    if (classIndex !== undefined && classIndex >= model.numClasses) {
      throw new UsageError(`--class must be below ${model.numClasses}, got ${classIndex}`);
    }
    const results = await model.cam(positionals[0], {
      ...(classIndex === undefined ? { topK } : { classIndex }),
      ...(alpha === undefined ? {} : { alpha }),
      preprocess: { resize },
    });
    const out = values.out;
    const ext = path.extname(out);
    for (const r of results) {
      const file = results.length === 1 ? out : `${out.slice(0, out.length - ext.length)}-${r.classIndex}${ext}`;
      await fs.writeFile(file, r.png);
      process.stdout.write([r.classIndex, r.label, r.probability.toFixed(6), file].join('\t') + '\n');
    }
  } finally {
    model.dispose();
  }
  return 0;
}
