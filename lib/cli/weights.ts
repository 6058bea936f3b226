/**
 * `efficientnet weights list|fetch ID|path ID`: the pretrained weights this package knows, and
 * their cache. Also the stderr note the model commands print when they use pretrained weights.
 */
import { statSync } from 'node:fs';
import { formatTable } from '../text-table';
import {
  cachedWeightsPath,
  fetchWeightsShowingProgress,
  findWeightSource,
  isWeightsCached,
  weightsUrl,
  WEIGHT_SOURCES,
  type WeightSource,
} from '../weights';
import { UsageError, writeOutput } from './io';
import { parseCommandArgs } from './parse';

export const weightsHelp = `Usage: efficientnet weights list [--json]
       efficientnet weights fetch ID
       efficientnet weights path ID

Pretrained ImageNet weights by id: 'torchvision:b0' … 'torchvision:b7' (what classify, cam and
run use when --weights is not given), 'timm:tf_efficientnet_b0' … (TF ports, TF SAME padding),
'lukemelas:efficientnet-b0' … (TF ports); 'imagenet' means torchvision's for the --variant.

  list     every id with its variant, source, published top-1, size if cached, cache state
  fetch    download ID into the cache (sha256-checked) unless it is there; prints its path
  path     the cache path of ID (where a manually downloaded file is picked up), fetched or not

The cache is EFFICIENTNET_CACHE, else $XDG_CACHE_HOME/efficientnet, else ~/.cache/efficientnet
("efficientnet weights path ID" shows it). EFFICIENTNET_WEIGHTS_URL replaces the directory of the
download URLs (a mirror holding the files under their published names).

Options:
  --variant V        the variant for 'imagenet' (default b0)
  --json             list as JSON
  -h, --help         this text`;

function sourceOf(id: string | undefined, variant: string | undefined): WeightSource {
  if (id === undefined) throw new UsageError('no weights id given (see "efficientnet weights list")');
  const s = findWeightSource(id, variant ?? 'b0');
  if (!s) throw new UsageError(`unknown weights id "${id}" (see "efficientnet weights list")`);
  return s;
}

/**
 * The id the model commands load, after telling stderr which pretrained weights they use and
 * whether they are fetched now.
 * @throws {UsageError} for an id or variant without pretrained weights
 */
export function announcePretrained(id: string, variant: string | undefined): string {
  const s = findWeightSource(id, variant ?? 'b0');
  if (!s) {
    throw new UsageError(id === 'imagenet'
      ? `no pretrained weights for variant "${variant}": give --weights FILE or --random`
      : `unknown weights id "${id}" (see "efficientnet weights list")`);
  }
  const where = cachedWeightsPath(s);
  process.stderr.write(isWeightsCached(s)
    ? `efficientnet: pretrained weights ${s.id} (${where})\n`
    : `efficientnet: fetching pretrained weights ${s.id} (first use) from ${weightsUrl(s)} into ${where}\n`);
  return s.id;
}

export async function weightsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    variant: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }, true);
  const [action, id, ...extra] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(weightsHelp + '\n');
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (action === 'list') {
    if (id !== undefined) throw new UsageError(`weights list takes no id, got "${id}"`);
    const rows = WEIGHT_SOURCES.map((s) => {
      const cached = isWeightsCached(s);
      return { id: s.id, variant: s.variant, source: s.format, top1: s.top1, cached, bytes: cached ? statSync(cachedWeightsPath(s)).size : undefined, path: cachedWeightsPath(s) };
    });
    const text = values.json
      ? rows.map((r) => JSON.stringify(r)).join('\n')
      : formatTable(
          ['id', 'variant', 'source', 'top-1', 'cached', 'size'],
          rows.map((r) => [r.id, r.variant, r.source, r.top1 === undefined ? '-' : r.top1.toFixed(2), r.cached ? 'yes' : 'no', r.bytes === undefined ? '-' : `${(r.bytes / 1e6).toFixed(1)} MB`]),
          new Set([3, 5]),
        );
    await writeOutput('-', text.replace(/\n?$/, '\n'));
    return 0;
  }
  if (action === 'path') {
    await writeOutput('-', cachedWeightsPath(sourceOf(id, values.variant)) + '\n');
    return 0;
  }
  if (action === 'fetch') {
    await writeOutput('-', (await fetchWeightsShowingProgress(sourceOf(id, values.variant))) + '\n');
    return 0;
  }
  throw new UsageError(`unknown weights action "${action}" (list, fetch or path)`);
}
