/** `efficientnet summary`: the architecture, parameter and multiply-add counts per variant. */
import { TORCHVISION_VARIANTS, formatSummary, formatSummaryJson, isVariantName, resolveArch, summarize } from '../arch';
import type { CustomScaling } from '../arch';
import { numberOption, UsageError, writeOutput } from './io';
import { parseCommandArgs } from './parse';

export const summaryHelp = `Usage: efficientnet summary [b0 … b7 | b8 | l2 | all ...] [options]

Prints, per variant: width, depth and resolution coefficients, channels and repeats per stage,
parameters and multiply-adds at the input resolution. Default: all of b0 … b7.

Options:
  --width W --depth D --resolution R   a custom scaling (all three)
  --phi P                              a custom scaling by the paper's rule
                                       (depth 1.2^P, width 1.1^P, resolution 224*1.15^P, to a multiple of 8)
  --classes N                          classifier width (default 1000)
  --json                               machine-readable output
  -h, --help                           this text`;

export async function summaryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    width: { type: 'string' },
    depth: { type: 'string' },
    resolution: { type: 'string' },
    phi: { type: 'string' },
    classes: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, true);
  if (values.help) {
    await writeOutput('-', summaryHelp + '\n');
    return 0;
  }
  const numClasses = numberOption(values.classes, 'classes');
  const width = numberOption(values.width, 'width');
  const depth = numberOption(values.depth, 'depth');
  const resolution = numberOption(values.resolution, 'resolution');
  const phi = numberOption(values.phi, 'phi');
  const specs: Array<Parameters<typeof resolveArch>[0]> = [];
  const explicit = [width, depth, resolution].filter((v) => v !== undefined).length;
  if (explicit > 0 && explicit < 3) throw new UsageError('--width, --depth and --resolution go together (give all three)');
  if (explicit === 3 && phi !== undefined) throw new UsageError('give either --phi or --width/--depth/--resolution, not both');
  if (explicit === 3) specs.push({ width: width!, depth: depth!, resolution: resolution! } as CustomScaling);
  if (phi !== undefined) specs.push({ phi } as CustomScaling);
  for (const name of positionals) {
    const lower = name.toLowerCase().replace(/^efficientnet[-_]/, '');
    if (lower === 'all') specs.push(...TORCHVISION_VARIANTS);
    else if (isVariantName(lower)) specs.push(lower);
    else throw new UsageError(`unknown variant "${name}" (expected b0 … b7, b8, l2 or all)`);
  }
  if (specs.length === 0) specs.push(...TORCHVISION_VARIANTS);
  const summaries = specs.map((s) => summarize(resolveArch(s, { numClasses })));
  await writeOutput('-', (values.json ? formatSummaryJson(summaries) : formatSummary(summaries)).replace(/\n?$/, '\n'));
  return 0;
}
