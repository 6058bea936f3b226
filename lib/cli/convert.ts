/** `efficientnet convert IN OUT.safetensors`: a .pth (or .safetensors) state dict to safetensors. */
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { isPth, parsePth, parseSafetensors, writeSafetensors } from '../weights';
import { UsageError, writeOutput } from './io';

export const convertHelp = `Usage: efficientnet convert IN.pth OUT.safetensors

Reads a PyTorch checkpoint (torch.save, zip or legacy format; never runs code from it: only a
state dict's tensors are read, from a training checkpoint its model entry, 'module.' prefixes
removed) and writes its tensors as safetensors: names and dtypes unchanged (F64 becomes F32).
OUT "-" writes to stdout.

Options:
  -h, --help         this text`;

export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(convertHelp + '\n');
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('convert takes an input and an output file');
  const [input, output] = positionals as [string, string];
  const bytes = await fs.readFile(input);
  const tensors = isPth(bytes) ? parsePth(bytes) : parseSafetensors(bytes);
  await writeOutput(output, writeSafetensors(tensors, { format: 'pt' }));
  return 0;
}
