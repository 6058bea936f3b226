/** `efficientnet convert IN OUT.safetensors`: a .pth (or .safetensors) state dict to safetensors. */
import { isPth, parsePth, parseSafetensors, writeSafetensors } from '../weights';
import { readInput, UsageError, writeOutput } from './io';
import { parseCommandArgs } from './parse';

export const convertHelp = `Usage: efficientnet convert IN.pth OUT.safetensors

Reads a PyTorch checkpoint (torch.save, zip or legacy format; never runs code from it: only a
state dict's tensors are read, from a training checkpoint its model entry, 'module.' prefixes
removed) and writes its tensors as safetensors: names and dtypes unchanged (F64 becomes F32).
OUT "-" writes to stdout.

Options:
  -h, --help         this text`;

export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { help: { type: 'boolean', short: 'h', default: false } }, true);
  if (values.help) {
    process.stdout.write(convertHelp + '\n');
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('convert takes an input and an output file');
  const [input, output] = positionals as [string, string];
  const bytes = await readInput(input);
  const tensors = isPth(bytes) ? parsePth(bytes) : parseSafetensors(bytes);
  await writeOutput(output, writeSafetensors(tensors, { format: 'pt' }));
  return 0;
}
