/** `efficientnet run`: a float32 NCHW .npy batch in, float32 logits .npy out (for Python interop). */
import { EfficientNetError } from '../errors';
import { encodeNpy, parseNpy } from '../npy';
import { readInput, UsageError, writeOutput } from './io';
import { parseCommandArgs } from './parse';
import { loadModel, MODEL_FLAGS, MODEL_FLAGS_HELP } from './model-flags';

export const runHelp = `Usage: efficientnet run [--weights FILE|ID | --random] --input X.npy --output Y.npy [options]

Reads a float32 NCHW batch [N, 3, H, W] from a .npy file (already resized and normalized),
runs the network and writes the float32 logits [N, classes] as .npy. "-" reads standard input
or writes standard output.

Options:
${MODEL_FLAGS_HELP}
  --input FILE       the .npy batch
  --output FILE      where to write the logits .npy
  -q, --quiet        no summary line on stderr
  -h, --help         this text`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    ...MODEL_FLAGS,
    input: { type: 'string' },
    output: { type: 'string' },
    quiet: { type: 'boolean', short: 'q', default: false },
    help: { type: 'boolean', short: 'h', default: false },
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
    if (model.random && !values.quiet) process.stderr.write('efficientnet: note: --random weights: the logits are meaningless\n');
    const started = performance.now();
    const logits = await model.run({ data: x.data, dims: x.shape });
    const ms = performance.now() - started;
    await writeOutput(values.output, encodeNpy({ shape: [...logits.dims], data: logits.data }));
    if (!values.quiet) {
      const weights = model.random ? 'random init' : (values.weights ?? `pretrained ${values.variant ?? 'b0'}`);
      process.stderr.write(
        `efficientnet: [${x.shape.join(', ')}] -> logits [${logits.dims.join(', ')}] in ${ms.toFixed(0)} ms (weights: ${weights}; ${model.kernelLevel ?? model.device} kernels) -> ${values.output === '-' ? 'standard output' : values.output}\n`,
      );
    }
  } finally {
    model.dispose();
  }
  return 0;
}
