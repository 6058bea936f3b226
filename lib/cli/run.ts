/** `efficientnet run`: a float32 NCHW .npy batch in, float32 logits .npy out (for Python interop). */
import { parseArgs } from 'node:util';
import { EfficientNet } from '../efficientnet';
import { EfficientNetError } from '../errors';
import { encodeNpy, parseNpy } from '../npy';
import { numberOption, readInput, UsageError, writeOutput } from './io';
import { parseVariant } from './variant';

export const runHelp = `Usage: efficientnet run --weights FILE --input X.npy --output Y.npy [options]

Reads a float32 NCHW batch [N, 3, H, W] from a .npy file (already resized and normalized),
runs the network and writes the float32 logits [N, classes] as .npy. "-" reads standard input
or writes standard output.

Options:
  --variant V        b0 … b7 (default b0)
  --weights FILE     .safetensors weights (torchvision or timm names); omit with --random
  --random           use the seeded random init instead of weights (for testing)
  --format F         auto (default), torchvision or timm
  --padding P        symmetric (default, PyTorch-trained) or same (TF-trained)
  --bn-eps E         batch-norm epsilon (default by weight source)
  --threads N        worker threads (default: one per core)
  --input FILE       the .npy batch
  --output FILE      where to write the logits .npy
  -h, --help         this text`;

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      variant: { type: 'string', default: 'b0' },
      weights: { type: 'string' },
      random: { type: 'boolean', default: false },
      format: { type: 'string', default: 'auto' },
      padding: { type: 'string', default: 'symmetric' },
      'bn-eps': { type: 'string' },
      threads: { type: 'string' },
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
  if (values.weights === undefined && !values.random) throw new UsageError('--weights is required (or --random)');
  if (values.weights !== undefined && values.random) throw new UsageError('give --weights or --random, not both');
  if (!['auto', 'torchvision', 'timm'].includes(values.format)) {
    throw new UsageError(`--format must be auto, torchvision or timm, got "${values.format}"`);
  }
  if (!['symmetric', 'same'].includes(values.padding)) {
    throw new UsageError(`--padding must be symmetric or same, got "${values.padding}"`);
  }
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
  const model = await EfficientNet.load({
    variant: parseVariant(values.variant),
    weights: values.weights,
    format: values.format as 'auto' | 'torchvision' | 'timm',
    padding: values.padding as 'symmetric' | 'same',
    bnEps: numberOption(values['bn-eps'], 'bn-eps'),
    threads: numberOption(values.threads, 'threads'),
    resolution: x.shape[2],
  });
  try {
    const logits = await model.run({ data: x.data, dims: x.shape });
    await writeOutput(values.output, encodeNpy({ shape: [...logits.dims], data: logits.data }));
  } finally {
    model.dispose();
  }
  return 0;
}
