/** `efficientnet run`: a float32 NCHW .npy batch in, float32 logits .npy out (for Python interop). */
import { parseArgs } from 'node:util';
import { EfficientNetError } from '../errors';
import { encodeNpy, parseNpy } from '../npy';
import { readInput, UsageError, writeOutput } from './io';
import { loadModel, MODEL_FLAGS, MODEL_FLAGS_HELP } from './model-flags';

export const runHelp = `Usage: efficientnet run [--weights FILE|ID | --random] --input X.npy --output Y.npy [options]

Reads a float32 NCHW batch [N, 3, H, W] from a .npy file (already resized and normalized),
runs the network and writes the float32 logits [N, classes] as .npy. "-" reads standard input
or writes standard output.

Options:
${MODEL_FLAGS_HELP}
  --input FILE       the .npy batch
  --output FILE      where to write the logits .npy
  -h, --help         this text`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...MODEL_FLAGS,
      input: { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    await writeOutput('-', runHelp + '\n');
    return 0;
  }
  if (values.input === undefined) throw new UsageError('--input is required');
  if (values.output === undefined) throw new UsageError('--output is required');
  const x = parseNpy(await readInput(values.input), values.input === '-' ? 'standard input' : values.input);
  if (x.shape.length !== 4 || x.shape[1] !== 3) {
    throw new EfficientNetError(
      'ERR_INPUT_SHAPE',
      `${values.input} has shape [${x.shape.join(', ')}]; expected an NCHW batch [N, 3, H, W]`,
    );
  }
  if (x.shape[2] !== x.shape[3]) {
    throw new EfficientNetError('ERR_INPUT_SHAPE', `${values.input} is ${x.shape[2]}x${x.shape[3]}; square inputs only`);
  }
  const model = await loadModel(values, { resolution: x.shape[2] });
  try {
    const logits = await model.run({ data: x.data, dims: x.shape });
    await writeOutput(values.output, encodeNpy({ shape: [...logits.dims], data: logits.data }));
  } finally {
    model.dispose();
  }
  return 0;
}
