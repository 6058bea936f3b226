/**
 * `efficientnet classify`: image files in, top-k labels out, one line (or JSON line) per file in
 * the order given. A file that fails gets an error line and the others still get their answers;
 * the exit code is 1 if any failed.
 */
import { Progress } from '../bench/progress';
import { expandImageInputs, skippedNote } from './files';
import { UsageError } from './io';
import { flagNames, parseCommandArgs } from './parse';
import { countOption, IMAGE_FLAGS, IMAGE_FLAGS_HELP, loadModel, MODEL_FLAGS, MODEL_FLAGS_HELP, imageOptions } from './model-flags';

export const classifyHelp = `Usage: efficientnet classify IMAGE|FOLDER... [--weights FILE|ID | --random] [options]

Classifies image files (JPEG, PNG, WebP, AVIF, TIFF, GIF) with the weights' preprocessing and
prints one line per file, in the order given: FILE<TAB>LABEL<TAB>PROBABILITY (repeated for each of
the top K classes). Files that cannot be read are reported on stderr (or as a JSON error object)
and the rest still run; the exit code is 1 if any file failed. A FOLDER stands for the images in
it, sorted by name (-r: and in its subfolders); other files in it are skipped and counted.

Options:
${MODEL_FLAGS_HELP}
${IMAGE_FLAGS_HELP}
  --top K            classes per file (default 5)
  --json             JSON lines: {"file", "predictions": [{index, label, probability}]} or {"file", "error": {code, message}}
  --concurrency N    images decoded and in flight at once (default 16)
  -r, --recursive    folders: also the images in their subfolders
  -h, --help         this text`;

// Fewer files than this finish before a progress bar would be worth reading.
const PROGRESS_MIN_FILES = 5;

export async function classifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...MODEL_FLAGS,
    ...IMAGE_FLAGS,
    top: { type: 'string' },
    json: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    recursive: { type: 'boolean', short: 'r', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, true);
  if (values.help) {
    process.stdout.write(classifyHelp + '\n');
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no image files given');
  const inputs = await expandImageInputs(positionals, values.recursive);
  const note = skippedNote(inputs);
  if (note !== undefined) process.stderr.write(note + '\n');
  if (inputs.files.length === 0) throw new UsageError(`no images in ${positionals.join(', ')}`);
  const files = inputs.files;
  const topK = countOption(values.top, 'top', 5);
  const concurrency = countOption(values.concurrency, 'concurrency', 16);
  const imageOpts = imageOptions(values);
  const model = await loadModel(values);
  const progress = new Progress(process.stderr, process.stderr.isTTY === true && files.length >= PROGRESS_MIN_FILES);
  if (model.random) progress.line('efficientnet: note: --random weights: the labels below are meaningless');
  let failed = 0;
  let done = 0;
  const started = Date.now();
  try {
    const items = model.classifyMany(files, { topK, concurrency, preprocess: imageOpts });
    for await (const item of items) {
      const file = files[item.index];
      done++;
      if (item.error) {
        failed++;
        if (values.json) process.stdout.write(JSON.stringify({ file, error: { code: item.error.code, message: item.error.message } }) + '\n');
        progress.line(`efficientnet: ${file}: ${item.error.code}: ${flagNames(item.error.message)}`);
      } else if (values.json) {
        process.stdout.write(JSON.stringify({ file, predictions: item.result, ...(model.random ? { random: true } : {}) }) + '\n');
      } else {
        process.stdout.write([file, ...item.result.flatMap((p) => [p.label, p.probability.toFixed(6)])].join('\t') + '\n');
      }
      const rate = done / Math.max((Date.now() - started) / 1000, 1e-3);
      const width = 30;
      const filled = Math.round((done / files.length) * width);
      progress.status(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${files.length} ${rate.toFixed(1)} img/s`);
    }
  } finally {
    progress.clear();
    model.dispose();
  }
  if (failed > 0) process.stderr.write(`efficientnet: ${failed} of ${files.length} files failed\n`);
  return failed > 0 ? 1 : 0;
}
