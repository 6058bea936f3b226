/**
 * `efficientnet cam`: the class activation map of one image as a PNG overlay (turbo colours over
 * the preprocessed image), for the most probable class, the top K, or a chosen class.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EfficientNetError } from '../errors';
import { loadSharp } from '../image/decode';
import { expandImageInputs, skippedNote } from './files';
import { fileErrorMessage, numberOption, UsageError, writeOutput } from './io';
import { flagNames, parseCommandArgs } from './parse';
import { countOption, IMAGE_FLAGS, IMAGE_FLAGS_HELP, loadModel, MODEL_FLAGS, MODEL_FLAGS_HELP, imageOptions } from './model-flags';

export const camHelp = `Usage: efficientnet cam IMAGE [--weights FILE|ID | --random] --out FILE.png [options]
       efficientnet cam FOLDER|IMAGE... [-r] --out DIR [options]

Writes the class activation map (Zhou et al. 2016) of IMAGE blended over the preprocessed image in
the format FILE's extension names (.png, .jpg/.jpeg or .webp), and prints
CLASS<TAB>LABEL<TAB>PROBABILITY<TAB>FILE per class. With --top K > 1, one file per class:
FILE-<class>.png (or .jpg, .webp). Given a folder (-r: with its subfolders) or several images,
--out is a folder that gets DIR/<image name>.png per image, and each line starts with the image.

Options:
${MODEL_FLAGS_HELP}
${IMAGE_FLAGS_HELP}
  --class N          explain class N (default: the most probable)
  --top K            explain the K most probable classes
  --alpha A          weight of the colour map in the blend, 0..1 (default 0.5)
  --full             the whole photo, uncropped (shorter side at the model's resolution), with
                     the map drawn over it at its own size, instead of the model's centre crop
  --out FILE|DIR     where to write the image (.png, .jpg, .jpeg or .webp), or the folder
  -r, --recursive    folders: also the images in their subfolders
  -h, --help         this text`;

export async function camCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...MODEL_FLAGS,
    ...IMAGE_FLAGS,
    class: { type: 'string' },
    top: { type: 'string' },
    alpha: { type: 'string' },
    out: { type: 'string' },
    full: { type: 'boolean', default: false },
    recursive: { type: 'boolean', short: 'r', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, true);
  if (values.help) {
    process.stdout.write(camHelp + '\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('cam needs an image (or a folder of them)');
  if (values.out === undefined) throw new UsageError('--out is required');
  const inputs = await expandImageInputs(positionals, values.recursive);
  const note = skippedNote(inputs);
  if (note !== undefined) process.stderr.write(note + '\n');
  if (inputs.files.length === 0) throw new UsageError(`no images in ${positionals.join(', ')}`);
  // One image: --out is the file. A folder or several images: --out is a folder that gets one
  // PNG per image (named after it), created if needed.
  const many = inputs.files.length > 1 || inputs.files[0] !== positionals[0];
  // Two photos of the same name (in different subfolders) get name.png and name-2.png.
  const taken = new Map<string, number>();
  const outNames = new Map(inputs.files.map((image) => {
    const name = path.parse(image).name;
    const n = (taken.get(name) ?? 0) + 1;
    taken.set(name, n);
    return [image, path.join(values.out!, `${name}${n === 1 ? '' : `-${n}`}.png`)];
  }));
  const outFor = (image: string): string => (many ? outNames.get(image)! : values.out!);
  if (many) await fs.mkdir(values.out, { recursive: true }).catch((err: unknown) => {
    throw new UsageError(fileErrorMessage(err) ?? `--out ${values.out}: cannot make the folder`);
  });
  const encode = encoderFor(outFor(inputs.files[0]!));
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
    let failed = 0;
    for (const image of inputs.files) {
      let results;
      try {
        results = await model.cam(image, {
          ...(classIndex === undefined ? { topK } : { classIndex }),
          ...(alpha === undefined ? {} : { alpha }),
          full: values.full,
          preprocess: imageOpts,
        });
      } catch (err) {
        // One bad photo of a folder is reported and the rest still run (exit 1 at the end).
        if (!many || !(err instanceof EfficientNetError)) throw err;
        failed++;
        process.stderr.write(`efficientnet: ${image}: ${err.code}: ${flagNames(err.message)}\n`);
        continue;
      }
      const out = outFor(image);
      const ext = path.extname(out);
      for (const r of results) {
        const file = results.length === 1 ? out : `${out.slice(0, out.length - ext.length)}-${r.classIndex}${ext}`;
        await writeOutput(file, await encode(r.png));
        process.stdout.write([...(many ? [image] : []), r.classIndex, r.label, r.probability.toFixed(6), file].join('\t') + '\n');
      }
    }
    if (failed > 0) {
      process.stderr.write(`efficientnet: ${failed} of ${inputs.files.length} images failed\n`);
      return 1;
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
